import { writeSync } from 'node:fs';
import { instantiateInWorker, type WorkerInit } from '../../components/worker-instance.js';
import type { ThreadHandler } from '../../workers/protocol.js';
import type { WasmWorkerReply } from './wasm-worker.js';

/**
 * What a component job's pool thread runs: a wasi:cli command component, so a component that
 * never returns is stopped by terminating the thread without touching the server.
 * Replies as wasm-worker.ts does, so the runner maps outcomes to exit codes the same way.
 */
export interface ComponentWorkerInit {
  /** The transpiled bindings and compiled core modules (ComponentLoader.workerInit), environment included. */
  readonly component: WorkerInit;
  /** Full argv, program name first, as wasi:cli/environment.get-arguments returns it. */
  readonly args: readonly string[];
  /** Host fds the runner owns (it closes them); the component's stdout and stderr streams write here. */
  readonly stdout: number;
  readonly stderr: number;
}

/** `wasi:cli/run@0.2.x`, the export a command component is run through. */
const RUN_INTERFACE = /^wasi:cli\/run@0\.2\.\d+$/;

/** Synchronous, like WASI's own writes: when `run` returns, its output is in the files. */
function sink(fd: number): (chunk: Uint8Array) => void {
  return (chunk) => {
    let at = 0;
    while (at < chunk.length) at += writeSync(fd, chunk, at, chunk.length - at);
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function findRun(exports: Record<string, unknown>): (() => unknown) | undefined {
  const key = Object.keys(exports).find((k) => RUN_INTERFACE.test(k));
  const iface = (key === undefined ? exports['run'] : exports[key]) as Record<string, unknown> | undefined;
  const run = iface?.['run'];
  return typeof run === 'function' ? (run as () => unknown) : undefined;
}

/**
 * preview2-shim's wasi:cli/exit throws an error marked `exitError` carrying the code (`exit(err)`
 * is 1, `exit(ok)` 0, `exit-with-code(n)` n); it unwinds through the component to here.
 */
function exitCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { exitError?: unknown; code?: unknown };
  return e.exitError === true && typeof e.code === 'number' ? e.code : undefined;
}

/**
 * `run: func() -> result` returning err: jco's bindings throw the err payload, which for a
 * payload-less result is `undefined` (older jco threw a ComponentError carrying `payload`).
 */
function isErrResult(err: unknown): boolean {
  if (err === undefined) return true;
  return err instanceof Error && err.name === 'ComponentError' && 'payload' in err;
}

async function main(init: ComponentWorkerInit): Promise<WasmWorkerReply> {
  let exports: Record<string, unknown>;
  try {
    exports = await instantiateInWorker(init.component, {
      stdout: sink(init.stdout),
      stderr: sink(init.stderr),
      arguments: init.args,
    });
  } catch (err) {
    return { ok: false, trap: false, message: `cannot instantiate the component: ${message(err)}` };
  }
  const run = findRun(exports);
  if (!run) return { ok: false, trap: false, message: 'the component does not export wasi:cli/run' };
  try {
    run();
    return { ok: true, exitCode: 0 };
  } catch (err) {
    const code = exitCodeOf(err);
    if (code !== undefined) return { ok: true, exitCode: code };
    if (isErrResult(err)) return { ok: true, exitCode: 1 };
    // A trap (unreachable, out-of-bounds, stack overflow) or a host call that threw.
    return { ok: false, trap: true, message: message(err) };
  }
}

/**
 * A thread runs one component at a time and is reused for the next run when this one ended on
 * its own: each run gets a fresh instance and fresh WASI streams; only the imported bindings
 * modules (code, no state) stay cached. A run that is stopped or times out ends the thread.
 */
export function createHandler(): ThreadHandler {
  return (init) => main(init as ComponentWorkerInit).catch((err: unknown): WasmWorkerReply => ({ ok: false, trap: false, message: message(err) }));
}
