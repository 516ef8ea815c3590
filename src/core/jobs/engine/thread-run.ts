import { toTahoError } from '../../errors.js';
import type { ThreadKind, WorkerPool } from '../../workers/pool.js';
import { threadGone } from '../../workers/thread.js';
import type { StopReason, Stopper } from './stopper.js';
import type { RunOutcome } from './wasm-runner.js';
import type { WasmWorkerReply } from './wasm-worker.js';

export type Result = Omit<RunOutcome, 'durationMs'>;

/** Exit codes by shell convention; see RunOutcome. */
export const EXIT_CANNOT_START = 126;
export const EXIT_TRAP = 134;
export const EXIT_KILLED = 137;

/** What ran, in messages: `module` (WASI preview1) or `component` (wasi:cli). */
export type Runnable = 'module' | 'component';

export function killed(what: Runnable, by: StopReason, timeoutMs = 0): Result {
  const error = by === 'timeout' ? `the ${what} ran past its ${timeoutMs} ms timeout and was stopped` : `the run was aborted and the ${what} stopped`;
  return { exitCode: EXIT_KILLED, stoppedBy: by, error };
}

export interface ThreadRun {
  readonly pool: WorkerPool;
  readonly kind: ThreadKind;
  readonly what: Runnable;
  /** Names the run in the pool's thread list. */
  readonly label: string;
  readonly memoryLimitMb: number | undefined;
  readonly timeoutMs: number;
}

/**
 * One job run in a pool thread, the thread's JS heap capped at the run's memory limit. A stop
 * (timeout or abort) terminates the thread; a stopped or crashed run settles only once its thread
 * has exited, since until then it may still be writing its output. A run that ended on its own
 * hands its thread back for the next run of its kind.
 */
export async function runInThread(run: ThreadRun, init: unknown, stopper: Stopper): Promise<Result> {
  if (stopper.reason) return killed(run.what, stopper.reason, run.timeoutMs);
  const limits = { heapMb: run.memoryLimitMb };
  const thread = run.pool.acquire(run.kind, run.label, limits);
  const off = stopper.on(() => void thread.terminate());
  let reply: WasmWorkerReply;
  try {
    reply = await thread.request<WasmWorkerReply>(init, { label: run.label });
  } catch (err) {
    await thread.exited;
    if (stopper.reason) return killed(run.what, stopper.reason, run.timeoutMs);
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    // Past its heap limit the run is at fault; anything else (a thread file missing from dist/,
    // say) is ours, and is not reported as the job's outcome.
    if (threadGone(err)?.reason === 'out-of-memory') return { exitCode: EXIT_TRAP, error: `the ${run.what} ran out of memory: ${(cause as Error).message}` };
    throw toTahoError(cause);
  } finally {
    off();
  }
  run.pool.release(thread, run.kind, limits);
  if (reply.ok) return { exitCode: reply.exitCode };
  if (reply.trap) return { exitCode: EXIT_TRAP, error: `the ${run.what} trapped: ${reply.message}` };
  return { exitCode: EXIT_CANNOT_START, error: reply.message };
}
