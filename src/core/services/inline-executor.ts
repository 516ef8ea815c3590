import type { ComponentExports } from '../components/loader.js';
import { CallFailure, type Executor } from './executor.js';

/**
 * Calls on the caller's thread. A trap poisons a component instance (jco refuses to re-enter it),
 * so the instance is dropped and the next call gets a fresh one.
 */
export class InlineExecutor implements Executor {
  readonly #create: () => Promise<ComponentExports>;
  #exports: ComponentExports | undefined;
  #loading: Promise<ComponentExports> | undefined;

  constructor(create: () => Promise<ComponentExports>) {
    this.#create = create;
  }

  get ready(): boolean {
    return this.#exports !== undefined;
  }

  async warm(): Promise<void> {
    if (this.#exports) return;
    this.#loading ??= this.#create().finally(() => {
      this.#loading = undefined;
    });
    this.#exports = await this.#loading;
  }

  callSync(path: readonly string[], args: readonly unknown[]): unknown {
    const exports = this.#exports;
    if (!exports) throw new CallFailure(true, 'instance is not ready', undefined);
    const fn = lookup(exports, path);
    try {
      return fn(...args);
    } catch (err) {
      const failure = CallFailure.from(err);
      if (failure.trap) this.#exports = undefined;
      throw failure;
    }
  }

  async call(path: readonly string[], args: readonly unknown[]): Promise<unknown> {
    await this.warm();
    return this.callSync(path, args);
  }

  async dispose(): Promise<void> {
    this.#exports = undefined;
  }
}

export function lookup(root: ComponentExports, path: readonly string[]): (...a: unknown[]) => unknown {
  let cur: unknown = root;
  for (const key of path) {
    const obj = cur as Record<string, unknown> | undefined;
    cur = obj?.[key] ?? obj?.[key.replace(/@[^/]*$/, '')];
  }
  if (typeof cur !== 'function') throw new CallFailure(true, `the component's bindings lack ${path.join('.')}`, undefined);
  return cur as (...a: unknown[]) => unknown;
}
