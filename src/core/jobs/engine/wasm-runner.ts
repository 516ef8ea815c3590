import { closeSync, openSync } from 'node:fs';
import { devNull } from 'node:os';
import { basename } from 'node:path';
import { workerScript } from '../../components/worker-instance.js';
import type { ThreadKind, WorkerPool } from '../../workers/pool.js';
import { buildPreopens, type WasmInput } from './preopens.js';
import { Stopper } from './stopper.js';
import { killed, runInThread, type Result } from './thread-run.js';
import type { WasmWorkerInit } from './wasm-worker.js';

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

export { EXIT_CANNOT_START, EXIT_KILLED, EXIT_TRAP } from './thread-run.js';

// node:wasi prints an ExperimentalWarning on first use; it is not the job's output.
const WASM_THREAD: ThreadKind = { family: 'job', module: workerScript(import.meta.url, 'wasm-worker.js'), execArgv: ['--no-warnings'] };

/**
 * Runs the module in a thread of `pool` and resolves once it is done there, so the output files
 * are complete when it does. Never rejects for the module's faults: a bad module, a trap,
 * a timeout or an abort are all outcomes. It rejects only when the host side fails: an input is
 * missing or unsafe to mount (TAHO_BAD_REQUEST), an output file cannot be created, or the worker
 * itself breaks (TAHO_INTERNAL).
 */
export async function runWasm(spec: WasmRun, pool: WorkerPool, signal?: AbortSignal): Promise<RunOutcome> {
  const started = performance.now();
  const done = (r: Result): RunOutcome => ({ ...r, durationMs: performance.now() - started });
  if (signal?.aborted) return done(killed('module', 'abort'));

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
    // The abort may have come while inputs were being staged; the stopper sees it at once.
    const stopper = new Stopper(spec.timeoutMs, signal);
    try {
      const run = { pool, kind: WASM_THREAD, what: 'module', label: `job ${basename(spec.modulePath)}`, memoryLimitMb: spec.memoryLimitMb, timeoutMs: spec.timeoutMs } as const;
      return done(await runInThread(run, init, stopper));
    } finally {
      stopper.dispose();
    }
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
