import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { sha256Hex, uuidV5 } from '../../../shared/ids.js';
import type { ComponentLoader } from '../../components/loader.js';
import { componentEntry, type ComponentEntry } from '../../components/registry.js';
import { workerScript, type WorkerInit } from '../../components/worker-instance.js';
import { TahoError, toTahoError } from '../../errors.js';
import type { ThreadKind, WorkerPool } from '../../workers/pool.js';
import type { ComponentWorkerInit } from './component-worker.js';
import { Stopper } from './stopper.js';
import { EXIT_CANNOT_START, killed as killedRun, runInThread, type Result } from './thread-run.js';
import type { RunOutcome, WasmRun } from './wasm-runner.js';

/**
 * The wasm engine for WebAssembly components: a wasi:cli command (a component exporting
 * `wasi:cli/run@0.2.x`, `run: func() -> result`) run through jco's bindings and preview2-shim,
 * with runWasm's outcomes and exit codes: `run` returning ok is exit 0, err exit 1, a
 * wasi:cli/exit call the code it gives; 126 could not start, 134 trapped, 137 stopped.
 *
 * What differs from a preview1 module, because the shim is its browser build:
 * - No filesystem: `spec.inputs` and `spec.outputsDir` are not mounted (the component sees the
 *   shim's empty in-memory filesystem), so a component job reads nothing but its arguments and
 *   environment and produces nothing but stdout and stderr. `spec.modulePath` is the component.
 * - stdin is empty (reads report the stream closed); no sockets or HTTP reach the host.
 * - `spec.entrypoint` must name the run function: '', `_start` (Bacalhau's default), `run` or
 *   `wasi:cli/run`; anything else is answered with 126, since a component has no other entry.
 * - Transpiling happens on this thread before the worker starts (seconds, once per component
 *   content: the loader's cache keeps the result); the timeout and the abort count from the
 *   call, so they cover it, but it is not interrupted: it finishes in the background for the next run.
 */

/** Component binaries: magic, then version 0x0d and layer 1 (a core module has version 1, layer 0). */
export function isComponent(bytes: Uint8Array): boolean {
  return bytes.length >= 8
    && bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d
    && bytes[4] === 0x0d && bytes[5] === 0x00 && bytes[6] === 0x01 && bytes[7] === 0x00;
}

function isCoreModule(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d
    && bytes[4] === 0x01 && bytes[5] === 0x00 && bytes[6] === 0x00 && bytes[7] === 0x00;
}

const RUN_INTERFACE = /^wasi:cli\/run@0\.2\.\d+$/;
const RUN_ENTRYPOINTS = new Set(['', '_start', 'run', 'wasi:cli/run']);

const COMPONENT_THREAD: ThreadKind = { family: 'job', module: workerScript(import.meta.url, 'component-worker.js') };

const killed = (by: 'timeout' | 'abort', timeoutMs = 0): Result => killedRun('component', by, timeoutMs);

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs the component in a worker thread and resolves once that thread is done with it, so the
 * output files are complete when it does. Never rejects for the component's faults: a file that
 * is no component or no command, a trap, a timeout or an abort are all outcomes. It rejects only
 * when the host side fails: an output file cannot be created, the transpile cache cannot be
 * written, or the worker itself breaks (TAHO_INTERNAL).
 */
export async function runComponent(spec: WasmRun, loader: ComponentLoader, pool: WorkerPool, signal?: AbortSignal): Promise<RunOutcome> {
  const started = performance.now();
  const done = (r: Result): RunOutcome => ({ ...r, durationMs: performance.now() - started });
  if (signal?.aborted) return done(killed('abort'));
  const stopper = new Stopper(spec.timeoutMs, signal);
  try {
    const memoryLimitBytes = spec.memoryLimitMb === undefined ? undefined : spec.memoryLimitMb * 1_048_576;
    const raced = await stopper.race(prepare(spec, loader, memoryLimitBytes));
    if ('stopped' in raced) return done(killed(raced.stopped, spec.timeoutMs));
    const prepared = raced.value;
    if (typeof prepared === 'string') return done({ exitCode: EXIT_CANNOT_START, error: prepared });

    const fds: number[] = [];
    try {
      for (const path of [spec.stdoutPath, spec.stderrPath]) fds.push(openSync(path, 'w'));
      const [stdout, stderr] = fds as [number, number];
      const init: ComponentWorkerInit = { component: prepared, args: [basename(spec.modulePath), ...spec.args], stdout, stderr };
      const run = { pool, kind: COMPONENT_THREAD, what: 'component', label: `job ${basename(spec.modulePath)}`, memoryLimitMb: spec.memoryLimitMb, timeoutMs: spec.timeoutMs } as const;
      return done(await runInThread(run, init, stopper));
    } finally {
      for (const fd of fds) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
      }
    }
  } finally {
    stopper.dispose();
  }
}

/** Reads and checks the component and gets it transpiled and compiled; a string is why it cannot start. */
async function prepare(spec: WasmRun, loader: ComponentLoader, memoryLimitBytes: number | undefined): Promise<WorkerInit | string> {
  if (!RUN_ENTRYPOINTS.has(spec.entrypoint) && !RUN_INTERFACE.test(spec.entrypoint)) {
    return `a component job runs the component's wasi:cli/run; the entrypoint "${spec.entrypoint}" cannot be called (use _start or leave it empty)`;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(spec.modulePath);
  } catch (err) {
    return `cannot load ${spec.modulePath}: ${message(err)}`;
  }
  if (!isComponent(bytes)) {
    return isCoreModule(bytes)
      ? `${spec.modulePath} is a core WebAssembly module, not a component; run it as a WASI preview1 module`
      : `cannot load ${spec.modulePath}: not a WebAssembly component (bad header)`;
  }
  let entry: ComponentEntry;
  try {
    entry = jobEntry(spec.modulePath, bytes);
  } catch (err) {
    return `cannot load ${spec.modulePath}: ${message(err)}`;
  }
  if (!entry.signature.functions.some((f) => f.name === 'run' && f.iface !== undefined && RUN_INTERFACE.test(f.iface))) {
    const exported = [...new Set(entry.signature.functions.map((f) => f.iface ?? f.name))];
    return `the component does not export wasi:cli/run, so it is no command; it exports: ${exported.join(', ') || 'nothing'}`;
  }
  try {
    return await loader.workerInit(entry, spec.env, memoryLimitBytes);
  } catch (err) {
    // The component's fault (jco cannot transpile it, a core module does not compile) is an
    // outcome; a cache directory that cannot be written is ours.
    if (err instanceof TahoError && err.code === 'TAHO_COMPONENT_INVALID') return err.message;
    if (err instanceof WebAssembly.CompileError) return `cannot compile ${spec.modulePath}: ${err.message}`;
    throw toTahoError(err);
  }
}

/**
 * A registry entry for a job's component, as ComponentRegistry.reload builds one for a repository
 * file: identity from the content, so the transpile cache is shared by every job running it.
 */
function jobEntry(path: string, bytes: Uint8Array): ComponentEntry {
  const service = basename(path).replace(/\.wasm$/i, '') || 'component';
  // Keyed by content: every job running the same component shares its transpiled code.
  return componentEntry({ domain: 'job', service, path }, bytes, uuidV5(`job/${sha256Hex(bytes)}`));
}
