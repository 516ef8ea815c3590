import { closeSync, openSync } from 'node:fs';
import { devNull } from 'node:os';
import { basename } from 'node:path';
import { ThreadPool } from './thread-pool.js';
import { workerScript } from '../../components/worker-instance.js';
import { toTahoError } from '../../errors.js';
import { buildPreopens, type WasmInput } from './preopens.js';
import type { WasmWorkerInit, WasmWorkerReply } from './wasm-worker.js';

export type { WasmInput } from './preopens.js';

/** One run of a WASI preview1 command module: Bacalhau's wasm engine, minus fetching inputs. */
export interface WasmRun {
  /** A WASI preview1 core module (.wasm). */
  readonly modulePath: string;
  /** Exported function to call; Bacalhau's default is `_start`. */
  readonly entrypoint: string;
  /** argv after the program name (the module sees its file name as argv[0]). */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly inputs: readonly WasmInput[];
  /** Host directory the module sees as `/outputs`. */
  readonly outputsDir: string;
  /** Files that receive the module's stdout and stderr (created or truncated). */
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** Counted from the thread's start, so compiling the module is included; 0 or less: no limit. */
  readonly timeoutMs: number;
  /**
   * Caps the module's linear memory (its declared maximum is lowered, so `memory.grow` past it
   * fails inside the module) and the thread's JS heap (worker resourceLimits).
   */
  readonly memoryLimitMb?: number | undefined;
}

export interface RunOutcome {
  /**
   * The module's own exit code when it ran to an end; otherwise, by shell convention:
   * 126 it could not be started (see `error`), 134 it trapped (128 + SIGABRT, as wasmtime
   * reports a trap), 137 it was killed by a timeout or an abort (128 + SIGKILL).
   */
  readonly exitCode: number;
  readonly stoppedBy?: 'timeout' | 'abort';
  /** For people: why the module could not start, the trap, or what stopped it. */
  readonly error?: string;
  /** Wall time of the whole run, thread start included. */
  readonly durationMs: number;
}

export const EXIT_CANNOT_START = 126;
export const EXIT_TRAP = 134;
export const EXIT_KILLED = 137;

type Result = Omit<RunOutcome, 'durationMs'>;

/**
 * Runs the module in a fresh worker thread and resolves once that thread is gone, so the output
 * files are complete when it does. Never rejects for the module's faults: a bad module, a trap,
 * a timeout or an abort are all outcomes. It rejects only when the host side fails: an input is
 * missing or unsafe to mount (TAHO_BAD_REQUEST), an output file cannot be created, or the worker
 * itself breaks (TAHO_INTERNAL).
 */
export async function runWasm(spec: WasmRun, signal?: AbortSignal): Promise<RunOutcome> {
  const started = performance.now();
  const done = (r: Result): RunOutcome => ({ ...r, durationMs: performance.now() - started });
  if (signal?.aborted) return done(killed('abort'));

  const fds: number[] = [];
  const preopens = await buildPreopens(spec.inputs, spec.outputsDir);
  try {
    // Plain fds, opened synchronously: three small opens cost less than FileHandles on the thread pool.
    for (const [path, flags] of [[devNull, 'r'], [spec.stdoutPath, 'w'], [spec.stderrPath, 'w']] as const) fds.push(openSync(path, flags));
    const [stdin, stdout, stderr] = fds as [number, number, number];
    const init: WasmWorkerInit = {
      modulePath: spec.modulePath,
      entrypoint: spec.entrypoint || '_start',
      args: [basename(spec.modulePath), ...spec.args],
      env: spec.env,
      preopens: preopens.map,
      stdin,
      stdout,
      stderr,
      memoryLimitBytes: spec.memoryLimitMb === undefined ? undefined : spec.memoryLimitMb * 1_048_576,
    };
    return done(await inWorker(init, spec, signal));
  } finally {
    // The worker keeps the module from closing these (see guardStdio); the catch is belt and braces.
    for (const fd of fds) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    await preopens.cleanup();
  }
}

function killed(by: 'timeout' | 'abort', timeoutMs = 0): Result {
  const error = by === 'timeout' ? `the module ran past its ${timeoutMs} ms timeout and was stopped` : 'the run was aborted and the module stopped';
  return { exitCode: EXIT_KILLED, stoppedBy: by, error };
}

// node:wasi prints an ExperimentalWarning on first use; it is not the job's output.
const pool = new ThreadPool(workerScript(import.meta.url, 'wasm-worker.js'), { execArgv: ['--no-warnings'] });

function inWorker(init: WasmWorkerInit, spec: WasmRun, signal: AbortSignal | undefined): Promise<Result> {
  return new Promise((resolve, reject) => {
    // The abort may have come while inputs were being staged.
    if (signal?.aborted) {
      resolve(killed('abort'));
      return;
    }
    const worker = pool.take(spec.memoryLimitMb);
    worker.removeAllListeners('exit');
    let result: Result | undefined;
    let settled = false;
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const stop = (by: 'timeout' | 'abort'): void => {
      result ??= killed(by, spec.timeoutMs);
      void worker.terminate();
    };
    const onAbort = (): void => stop('abort');
    const timer = spec.timeoutMs > 0 ? setTimeout(() => stop('timeout'), spec.timeoutMs) : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (reply: WasmWorkerReply) => {
      if (result || settled) return; // stopped meanwhile: the exit settles it
      if (reply.ok) result = { exitCode: reply.exitCode };
      else if (reply.trap) result = { exitCode: EXIT_TRAP, error: `the module trapped: ${reply.message}` };
      else result = { exitCode: EXIT_CANNOT_START, error: reply.message };
      // The run ended on its own; its writes are done (WASI writes synchronously), the thread is reusable.
      settled = true;
      finish();
      pool.release(spec.memoryLimitMb, worker);
      resolve(result);
    });
    let broken: Error | undefined;
    worker.on('error', (err: Error & { code?: string }) => {
      // Past its JS heap limit the module is at fault; anything else (a worker file missing from
      // dist/, say) is ours, and is not reported as the job's outcome.
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') result ??= { exitCode: EXIT_TRAP, error: `the module ran out of memory: ${err.message}` };
      else broken ??= err;
    });
    // A stopped or crashed run settles only on exit: until then the thread may still be writing.
    worker.on('exit', () => {
      if (settled) return;
      settled = true;
      finish();
      if (result) resolve(result);
      else reject(toTahoError(broken ?? new Error('the wasm worker exited without a result')));
    });
    worker.postMessage(init);
  });
}
