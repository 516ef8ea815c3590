/** Unicode sparklines: ▁▂▃▄▅▆▇█ (pure). */

export const BARS = '▁▂▃▄▅▆▇█';

/**
 * One bar per value, scaled to the largest (0 → ▁; any value above 0 shows at least ▂, so
 * a single event is visible next to a burst). Only the last `width` values are drawn.
 */
export function sparkline(values: readonly number[], width = values.length): string {
  const shown = width >= values.length ? values : values.slice(values.length - width);
  const max = Math.max(0, ...shown.filter((v) => Number.isFinite(v)));
  const top = BARS.length - 1;
  const bars = shown.map((v) => {
    if (!Number.isFinite(v) || v <= 0 || max === 0) return BARS[0];
    return BARS[Math.max(1, Math.min(top, Math.round((v / max) * top)))];
  }).join('');
  return bars.padStart(width, BARS[0]);
}

/**
 * Counts of timestamps per bucket over the `windowMs` ending at `now`: `buckets` values,
 * oldest first. Timestamps outside the window are ignored.
 */
export function bucketize(times: readonly number[], now: number, windowMs: number, buckets: number): number[] {
  const out = new Array<number>(Math.max(0, buckets)).fill(0);
  if (buckets <= 0) return out;
  const size = windowMs / buckets;
  const start = now - windowMs;
  for (const t of times) {
    if (t <= start || t > now) continue;
    const i = Math.min(buckets - 1, Math.floor((t - start) / size));
    out[i] = (out[i] ?? 0) + 1;
  }
  return out;
}
