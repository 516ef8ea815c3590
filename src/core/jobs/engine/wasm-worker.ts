import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { limitMemory } from '../../components/memory-limit.js';
import type { ThreadHandler } from '../../workers/protocol.js';

/**
 * What a wasm job's pool thread runs: a WASI preview1 module, so a module that never returns is
 * stopped by terminating the thread without touching the server.
 */
export interface WasmWorkerInit {
  readonly modulePath: string;
  readonly entrypoint: string;
  /** Full argv, program name first. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Guest path → host directory; nothing else of the host is visible. */
  readonly preopens: Readonly<Record<string, string>>;
  /** Host fds the runner owns (it closes them); the module's 0, 1 and 2. */
  readonly stdin: number;
  readonly stdout: number;
  readonly stderr: number;
  readonly memoryLimitBytes: number | undefined;
}

/** `trap` tells a module that crashed apart from one the host could not start. */
export type WasmWorkerReply =
  | { readonly ok: true; readonly exitCode: number }
  | { readonly ok: false; readonly trap: boolean; readonly message: string };

/**
 * Synchronous compile is fine here: this thread exists for this one module. The memory cap
 * rewrites the module's declared maximum, because resourceLimits bound only the JS heap.
 */
async function load(init: WasmWorkerInit, wasi: WASI): Promise<WebAssembly.Instance> {
  let bytes: Uint8Array = await readFile(init.modulePath);
  if (init.memoryLimitBytes !== undefined) bytes = limitMemory(bytes, init.memoryLimitBytes);
  const module = new WebAssembly.Module(bytes);
  return new WebAssembly.Instance(module, { wasi_snapshot_preview1: guardStdio(wasi.wasiImport) });
}

const ENOTSUP = 58;
type WasiCall = (...args: number[]) => number;

/**
 * uvwasi's fd_close and fd_renumber on fds 0–2 close the host fds the runner owns: once closed,
 * the number can be reused by any file the server opens, and the runner's own close would then
 * hit that file. Closing stdio is answered as done without touching the host fd.
 */
function guardStdio(imports: NodeJS.Dict<unknown>): Record<string, unknown> {
  const close = imports['fd_close'] as WasiCall;
  const renumber = imports['fd_renumber'] as WasiCall;
  return {
    ...imports,
    fd_close: (fd: number) => (fd >>> 0 <= 2 ? 0 : close(fd)),
    fd_renumber: (from: number, to: number) => (from >>> 0 <= 2 || to >>> 0 <= 2 ? ENOTSUP : renumber(from, to)),
  };
}

/** The WebAssembly.Memory class is not in taho's WebAssembly declarations; its brand is. */
function isMemory(value: unknown): boolean {
  return Object.prototype.toString.call(value) === '[object WebAssembly.Memory]';
}

/** Compile, link and check the exports; any failure here means the module never ran. */
async function prepare(init: WasmWorkerInit): Promise<{ wasi: WASI; instance: WebAssembly.Instance } | string> {
  const wasi = new WASI({
    version: 'preview1',
    args: [...init.args],
    env: { ...init.env },
    preopens: { ...init.preopens },
    stdin: init.stdin,
    stdout: init.stdout,
    stderr: init.stderr,
    returnOnExit: true,
  });
  let instance: WebAssembly.Instance;
  try {
    instance = await load(init, wasi);
  } catch (err) {
    return `cannot load ${init.modulePath}: ${message(err)}`;
  }
  const exports = instance.exports;
  if (!isMemory(exports['memory'])) return 'the module does not export its memory as "memory", which WASI needs';
  if (typeof exports[init.entrypoint] !== 'function') {
    const names = Object.keys(exports).filter((k) => typeof exports[k] === 'function');
    return `the module has no exported function "${init.entrypoint}"; it exports: ${names.join(', ') || 'no functions'}`;
  }
  return { wasi, instance };
}

/**
 * WASI.start only calls `_start`, so a custom entrypoint is presented as `_start` of a stand-in
 * instance; a reactor module (one with `_initialize`) is initialised first, as WASI requires.
 */
function run(wasi: WASI, instance: WebAssembly.Instance, entrypoint: string): number {
  const exports = instance.exports;
  const entry = exports[entrypoint] as () => unknown;
  const initialize = exports['_initialize'];
  const _start = (): void => {
    if (typeof initialize === 'function' && entrypoint !== '_initialize') (initialize as () => unknown)();
    entry();
  };
  return wasi.start({ exports: { memory: exports['memory'], _start } });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function main(init: WasmWorkerInit): Promise<WasmWorkerReply> {
  const ready = await prepare(init);
  if (typeof ready === 'string') return { ok: false, trap: false, message: ready };
  try {
    return { ok: true, exitCode: run(ready.wasi, ready.instance, init.entrypoint) };
  } catch (err) {
    // A trap (unreachable, out-of-bounds, stack overflow) or a host call that threw.
    return { ok: false, trap: true, message: message(err) };
  }
}

/**
 * A thread runs one module at a time and is reused for the next run when this one ended on its
 * own (exit or trap): each run gets a fresh WASI and instance, nothing of the last survives.
 * A run that is stopped or times out ends the thread instead.
 */
export function createHandler(): ThreadHandler {
  return (init) => main(init as WasmWorkerInit).catch((err: unknown): WasmWorkerReply => ({ ok: false, trap: false, message: message(err) }));
}
