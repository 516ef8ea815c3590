import { pathToFileURL } from 'node:url';
import { HostImports, type HostHooks } from './host.js';
import { withUnversionedKeys } from './loader.js';
import type { LinearMemory } from './linear-memory.js';

/**
 * What a worker thread needs to build its own component instance: the transpiled bindings'
 * path and the compiled core modules, which travel between threads without recompiling.
 */
export interface WorkerInit {
  readonly modulePath: string;
  readonly coreModules: Readonly<Record<string, WebAssembly.Module>>;
  readonly imports: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
}

type Instantiate = (
  get: (p: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore?: LinearMemory['instantiateCore'],
) => Record<string, unknown>;

/** Instantiates a component inside a worker thread from what the main thread sent; `memory` measures it. */
export async function instantiateInWorker(init: WorkerInit, hooks: HostHooks, memory?: LinearMemory): Promise<Record<string, unknown>> {
  const mod = (await import(pathToFileURL(init.modulePath).href)) as { instantiate: Instantiate };
  const imports = await new HostImports().create(init.imports, { environment: init.environment, ...hooks });
  return mod.instantiate((p) => {
    const m = init.coreModules[p];
    if (!m) throw new Error(`core module ${p} was not sent to the worker`);
    return m;
  }, withUnversionedKeys(imports), memory?.instantiateCore);
}

/**
 * A worker script's URL. Compiled output runs from dist/; under the test runner the caller is
 * TypeScript in src/, and the worker must still be the compiled JavaScript.
 */
export function workerScript(callerUrl: string, file: string): URL {
  const here = new URL(callerUrl);
  const url = new URL(`./${file}`, here);
  if (here.pathname.endsWith('.ts')) return new URL(url.href.replace('/src/', '/dist/'));
  return url;
}

/**
 * A spare pool thread's warm-up: this module and the WASI shim loaded (the slowest part of a
 * thread's first instantiation), so the family that takes the thread pays only for its component.
 */
export async function warm(): Promise<void> {
  await new HostImports().create(['wasi:cli/environment'], {});
}
