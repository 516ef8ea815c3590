import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { executionFiles } from './compute.js';
import { TERMINAL_COMPUTE_STATES, type Execution } from './model.js';

/** Bacalhau's ExecutionLog: Type 1 is stdout, 2 is stderr. */
export interface LogLine {
  readonly Type: 1 | 2;
  readonly Line: string;
  /** Where to resume after this line: `<stdout bytes>.<stderr bytes>` read so far (SSE's event id). */
  readonly cursor: string;
}

export interface LogSource {
  execution(id: string): Promise<Execution | undefined>;
  executionDir(jobId: string, executionId: string): string;
}

export interface FollowOptions {
  readonly follow: boolean;
  /** Resume point from a previous LogLine's cursor. */
  readonly cursor?: string | undefined;
  /** Only the last N lines of what is already there (ignored when resuming). */
  readonly tail?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Resolves at the next change after it is called (the log grew, the execution's state moved:
 * an event on the log's follow) or when `signal` aborts. A follow looks again only then.
 */
export type NextChange = (signal: AbortSignal) => Promise<void>;

/** Waits for `nextChange`; an abort of `signal` ends the wait early. */
export function changeWaiter(nextChange: NextChange, signal: AbortSignal | undefined): { wait: () => Promise<void>; cancel: () => void } {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  signal?.addEventListener('abort', stop, { once: true });
  const armed = nextChange(ac.signal);
  return {
    wait: () => armed.finally(() => signal?.removeEventListener('abort', stop)),
    cancel: () => {
      signal?.removeEventListener('abort', stop);
      ac.abort();
    },
  };
}

/**
 * An execution's stdout and stderr as lines, from its files: complete lines only, in file order
 * per stream; with `follow`, new lines as they are written until the execution ends and every
 * byte was read, woken by `nextChange` (the event stream) rather than by a timer. A cursor resumes exactly after the last line delivered, so a client that lost
 * its connection gets no gap and no repeat.
 */
export async function* executionLogs(source: LogSource, execution: Execution, options: FollowOptions, nextChange: NextChange): AsyncGenerator<LogLine> {
  const files = executionFiles(source.executionDir(execution.JobID, execution.ID));
  const [o, e] = (options.cursor ?? '0.0').split('.').map((n) => Number(n) || 0);
  const streams = [
    { type: 1 as const, path: files.stdout, offset: o ?? 0 },
    { type: 2 as const, path: files.stderr, offset: e ?? 0 },
  ];
  const cursor = (): string => `${streams[0]?.offset}.${streams[1]?.offset}`;
  let tail = options.cursor ? undefined : options.tail;
  for (;;) {
    // Armed before reading, so a write between the read and the wait still wakes it.
    const change = options.follow ? changeWaiter(nextChange, options.signal) : undefined;
    const ended = TERMINAL_COMPUTE_STATES.has((await source.execution(execution.ID))?.ComputeState.StateType ?? 9);
    const batch: LogLine[] = [];
    for (const s of streams) {
      // Whole lines only: the bytes after the last newline are read again next time, unless the
      // execution has ended and they are all that will ever come.
      for (;;) {
        const chunk = readFrom(s.path, s.offset);
        let start = 0;
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, start)) {
          s.offset += i + 1 - start;
          batch.push({ Type: s.type, Line: chunk.subarray(start, i + 1).toString('utf8'), cursor: cursor() });
          start = i + 1;
        }
        // A line longer than a whole chunk is delivered in pieces rather than never.
        if ((ended || start === 0) && start < chunk.length && (ended || chunk.length === CHUNK)) {
          s.offset += chunk.length - start;
          batch.push({ Type: s.type, Line: chunk.subarray(start).toString('utf8'), cursor: cursor() });
        }
        if (chunk.length < CHUNK) break;
      }
    }
    const out = tail !== undefined ? batch.slice(-tail) : batch;
    tail = undefined;
    for (const line of out) yield line;
    if (!change || options.signal?.aborted || ended) {
      change?.cancel();
      return;
    }
    await change.wait();
  }
}

const CHUNK = 1 << 20;

function readFrom(path: string, offset: number): Buffer {
  if (!existsSync(path)) return Buffer.alloc(0);
  const size = statSync(path).size;
  if (size <= offset) return Buffer.alloc(0);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size - offset, CHUNK));
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
