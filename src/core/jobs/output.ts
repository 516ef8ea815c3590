import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { RunOutput } from './model.js';

const OUTPUT_LIMIT = 64 * 1024;

/** What RunOutput keeps of an execution's stdout and stderr (read on the node that ran it). */
export function readOutput(stdoutPath: string, stderrPath: string): Omit<RunOutput, 'ExitCode' | 'ErrorMsg'> {
  const [Stdout, StdoutTruncated] = head(stdoutPath);
  const [stderr, StderrTruncated] = head(stderrPath);
  return { Stdout, StdoutTruncated, stderr, StderrTruncated };
}


/** The first 64 KiB of a file (RunOutput keeps that much; the whole file stays on disk). */
function head(path: string): [string, boolean] {
  if (!existsSync(path)) return ['', false];
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size, OUTPUT_LIMIT));
    readSync(fd, buf, 0, buf.length, 0);
    return [buf.toString('utf8'), size > OUTPUT_LIMIT];
  } finally {
    closeSync(fd);
  }
}
