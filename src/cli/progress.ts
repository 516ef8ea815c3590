import { ux } from '@oclif/core';

/** A call shorter than this shows nothing: a spinner that flashes is noise. */
const QUIET_MS = 300;

/**
 * oclif's spinner (ux.action) on stderr while `work` runs, once it has taken QUIET_MS; only on a
 * terminal, so piped output and logs never see it.
 */
export async function withProgress<T>(label: string, work: Promise<T>, stream: NodeJS.WriteStream = process.stderr): Promise<T> {
  if (!stream.isTTY) return work;
  let started = false;
  const timer = setTimeout(() => {
    started = true;
    ux.action.start(label);
  }, QUIET_MS);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
    if (started) ux.action.stop();
  }
}
