/**
 * Waits for a condition that follows from events a test cannot await directly: polls `probe`
 * until it answers something other than undefined or false, and returns that. The ceiling is a
 * generous guard against hangs on a loaded machine, never a measurement (below the 120 s test
 * timeout, so a hang says what it waited for).
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { ceilingMs?: number; everyMs?: number; detail?: () => string } = {},
): Promise<T> {
  const { ceilingMs = 100_000, everyMs = 50, detail } = options;
  const end = Date.now() + ceilingMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
