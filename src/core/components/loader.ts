import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { TahoError } from '../errors.js';
import { HostImports, type HostHooks } from './host.js';
import type { ComponentEntry } from './registry.js';
import { TranspileCache } from './transpile-cache.js';

/** The root object jco's `instantiate` returns: world-level functions and one object per exported interface. */
export type ComponentExports = Record<string, unknown>;

type Instantiate = (
  getCoreModule: (path: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
) => ComponentExports;

export interface LoaderOptions {
  readonly cacheDir: string;
  readonly onTranspile?: ((label: string, ms: number) => void) | undefined;
}

/**
 * Turns a registry entry into live instances: transpiled output from the on-disk cache, core
 * modules compiled once per version and shared by every instance of it, host imports per instance.
 */
export class ComponentLoader {
  readonly #cache: TranspileCache;
  readonly #host = new HostImports();
  readonly #modules = new Map<string, WebAssembly.Module>();
  readonly #instantiators = new Map<string, Promise<Instantiate>>();

  constructor(options: LoaderOptions) {
    this.#cache = new TranspileCache(options);
  }

  async instantiate(entry: ComponentEntry, hooks: HostHooks = {}): Promise<ComponentExports> {
    const instantiate = await this.#instantiator(entry);
    const imports = await this.#host.create(entry.signature.imports, hooks);
    const dir = this.#cache.dirFor(entry.version);
    const getCoreModule = (path: string): WebAssembly.Module => {
      const key = `${entry.version}/${path}`;
      let mod = this.#modules.get(key);
      if (!mod) {
        mod = new WebAssembly.Module(readFileSync(join(dir, path)));
        this.#modules.set(key, mod);
      }
      return mod;
    };
    try {
      return instantiate(getCoreModule, withUnversionedKeys(imports));
    } catch (err) {
      throw new TahoError('TAHO_COMPONENT_INVALID', `cannot instantiate ${entry.key}: ${(err as Error).message}`, {
        hint: `It imports ${entry.signature.imports.join(', ') || 'nothing'}; taho provides WASI 0.2 interfaces only.`,
        cause: err,
      });
    }
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
function withUnversionedKeys(imports: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(imports, {
    get: (target, key) => (typeof key === 'string' ? target[key] ?? target[key.replace(/@[^/]*$/, '')] : undefined),
  });
}
