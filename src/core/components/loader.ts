import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { TahoError } from '../errors.js';
import { HostImports, interfaceKey, type HostHooks } from './host.js';
import { limitMemory } from './memory-limit.js';
import type { LinearMemory } from './linear-memory.js';
import type { ComponentEntry } from './registry.js';
import { TranspileCache } from './transpile-cache.js';
import type { WorkerInit } from './worker-instance.js';

/** The root object jco's `instantiate` returns: world-level functions and one object per exported interface. */
export type ComponentExports = Record<string, unknown>;

type Instantiate = (
  getCoreModule: (path: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore?: (module: WebAssembly.Module, imports?: WebAssembly.Imports) => WebAssembly.Instance,
) => ComponentExports;

export interface LoaderOptions {
  readonly cacheDir: string;
  readonly onTranspile?: ((label: string, ms: number) => void) | undefined;
}

/**
 * Turns a registry entry into live instances: transpiled output from the on-disk cache, core
 * modules compiled once per version (and memory cap) and shared by every instance of it, host
 * imports per instance.
 */
export class ComponentLoader {
  readonly #cache: TranspileCache;
  readonly #host = new HostImports();
  readonly #modules = new Map<string, WebAssembly.Module>();
  readonly #instantiators = new Map<string, Promise<Instantiate>>();

  constructor(options: LoaderOptions) {
    this.#cache = new TranspileCache(options);
  }

  /** A new instance; `memory` (when given) measures its linear memories. */
  async instantiate(entry: ComponentEntry, hooks: HostHooks = {}, memoryLimitBytes?: number, memory?: LinearMemory): Promise<ComponentExports> {
    const instantiate = await this.#instantiator(entry);
    const imports = await this.#host.create(entry.signature.imports, hooks);
    try {
      return instantiate((path) => this.#coreModule(entry, path, memoryLimitBytes), withUnversionedKeys(imports), memory?.instantiateCore);
    } catch (err) {
      throw new TahoError('TAHO_COMPONENT_INVALID', `cannot instantiate ${entry.key}: ${(err as Error).message}`, {
        hint: `It imports ${entry.signature.imports.join(', ') || 'nothing'}; taho provides WASI 0.2 interfaces only.`,
        cause: err,
      });
    }
  }

  /** See TranspileCache.warmUp: the transpiler loaded and run once, nothing cached. */
  warmUp(entry: ComponentEntry): Promise<void> {
    return this.#cache.warmUp(entry.bytes);
  }

  /**
   * Everything a first call would do before instantiating, done now: the transpiled output (from
   * the cache, or transpiled once) imported and the core modules compiled. A running server does
   * it for components that a reload or an upload brings, so their first call costs a call.
   */
  async prepare(entry: ComponentEntry, memoryLimitBytes?: number): Promise<void> {
    await this.#instantiator(entry);
    for (const file of readdirSync(this.#cache.dirFor(entry.version))) {
      if (file.endsWith('.wasm')) this.#coreModule(entry, file, memoryLimitBytes);
    }
  }

  /** What a worker thread needs to build its own instance: compiled modules travel to it without recompiling. */
  async workerInit(entry: ComponentEntry, environment: Readonly<Record<string, string>>, memoryLimitBytes?: number): Promise<WorkerInit> {
    await this.#instantiator(entry);
    const dir = this.#cache.dirFor(entry.version);
    const coreModules: Record<string, WebAssembly.Module> = {};
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.wasm')) coreModules[file] = this.#coreModule(entry, file, memoryLimitBytes);
    }
    return { modulePath: join(dir, 'component.js'), coreModules, imports: entry.signature.imports, environment };
  }

  #coreModule(entry: ComponentEntry, path: string, memoryLimitBytes: number | undefined): WebAssembly.Module {
    const key = `${entry.version}/${path}/${memoryLimitBytes ?? ''}`;
    let mod = this.#modules.get(key);
    if (!mod) {
      const bytes = readFileSync(join(this.#cache.dirFor(entry.version), path));
      mod = new WebAssembly.Module(memoryLimitBytes === undefined ? bytes : limitMemory(bytes, memoryLimitBytes));
      this.#modules.set(key, mod);
    }
    return mod;
  }

  #instantiator(entry: ComponentEntry): Promise<Instantiate> {
    let p = this.#instantiators.get(entry.version);
    if (!p) {
      p = this.#cache.get(entry.version, entry.bytes, entry.key).then(async (t) => {
        const mod = (await import(pathToFileURL(t.modulePath).href)) as { instantiate: Instantiate };
        return mod.instantiate;
      });
      p.catch(() => this.#instantiators.delete(entry.version));
      this.#instantiators.set(entry.version, p);
    }
    return p;
  }
}

/** jco's generated code reads unversioned keys while components name versioned interfaces. */
export function withUnversionedKeys(imports: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(imports, {
    get: (target, key) => (typeof key === 'string' ? target[key] ?? target[interfaceKey(key)] : undefined),
  });
}
