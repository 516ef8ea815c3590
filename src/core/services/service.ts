import { TahoError } from '../errors.js';
import type { ComponentExports, ComponentLoader } from '../components/loader.js';
import { functionNames, type ComponentEntry } from '../components/registry.js';
import type { HostHooks } from '../components/host.js';
import { planCall, type CallPlan, type Json } from './call-plan.js';

/**
 * One stateless service: a component version, its call plans and a lazily created instance.
 * A trap poisons a component instance (jco refuses to re-enter it), so the instance is dropped and
 * the next call gets a fresh one: one bad call never takes the service down.
 */
export class Service {
  readonly entry: ComponentEntry;
  readonly plans: ReadonlyMap<string, CallPlan>;
  #instance: ComponentExports | undefined;
  #loading: Promise<ComponentExports> | undefined;
  readonly #loader: ComponentLoader;
  readonly #hooks: HostHooks;

  constructor(entry: ComponentEntry, loader: ComponentLoader, hooks: HostHooks = {}) {
    this.entry = entry;
    this.#loader = loader;
    this.#hooks = hooks;
    const plans = new Map<string, CallPlan>();
    for (const fn of entry.signature.functions) {
      const plan = planCall(fn);
      for (const name of functionNames(fn)) plans.set(name, plan);
    }
    this.plans = plans;
  }

  /** The canonical name of every callable function, in export order. */
  methodNames(): string[] {
    return this.entry.signature.functions.map((f) => functionNames(f)[0] ?? f.name);
  }

  plan(method: string): CallPlan {
    const plan = this.plans.get(method);
    if (plan) return plan;
    const methods = this.methodNames();
    throw new TahoError('TAHO_METHOD_NOT_FOUND', `${this.entry.domain}/${this.entry.service} has no method "${method}"; it has: ${methods.join(', ')}`, {
      hint: 'Method names are case-sensitive WIT names; `taho services` lists them with their signatures.',
      details: { methods },
    });
  }

  get ready(): boolean {
    return this.#instance !== undefined;
  }

  /** Creates the instance if there is none yet. */
  async warm(): Promise<void> {
    if (this.#instance) return;
    this.#loading ??= this.#loader.instantiate(this.entry, this.#hooks).then(
      (exports) => {
        this.#instance = exports;
        this.#loading = undefined;
        return exports;
      },
      (err: unknown) => {
        this.#loading = undefined;
        throw err;
      },
    );
    await this.#loading;
  }

  /** Calls a ready instance synchronously: the hot path, with no promise in it. */
  callSync(plan: CallPlan, input: unknown): Json {
    const args = plan.args(input);
    const exports = this.#instance;
    if (!exports) throw new TahoError('TAHO_INTERNAL', `${this.entry.key} is not instantiated`);
    const fn = resolvePath(exports, plan.path) as ((...a: unknown[]) => unknown) | undefined;
    if (typeof fn !== 'function') {
      throw new TahoError('TAHO_INTERNAL', `jco bindings of ${this.entry.key} lack ${plan.path.join('.')}`);
    }
    let raw: unknown;
    try {
      raw = fn(...args);
    } catch (err) {
      throw this.#failure(plan, err);
    }
    return plan.result(raw);
  }

  async call(method: string, input: unknown): Promise<Json> {
    const plan = this.plan(method);
    if (!this.#instance) {
      plan.args(input); // bad arguments fail before paying for an instance
      await this.warm();
    }
    return this.callSync(plan, input);
  }

  #failure(plan: CallPlan, err: unknown): TahoError {
    const name = `${this.entry.domain}/${this.entry.service} ${plan.fn.name}`;
    // jco throws the `E` of a returned `result<T, E>` as is: a WIT value, never an Error.
    if (plan.error && (!(err instanceof Error) || isComponentError(err))) {
      const payload = plan.error(isComponentError(err) ? err.payload : err);
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      return new TahoError('TAHO_COMPONENT_ERROR', `${name} returned an error: ${text}`, {
        hint: 'The component rejected the call; its error value is in `details.error`.',
        details: { error: payload },
      });
    }
    this.#instance = undefined;
    const message = err instanceof Error ? err.message : String(err);
    return new TahoError('TAHO_COMPONENT_TRAP', `${name} trapped: ${message.replace(/^wasm trap: /, '')}`, {
      hint: 'The component failed while running (a trap). The service restarts its instance for the next call.',
      cause: err,
    });
  }
}

function isComponentError(err: unknown): err is Error & { payload: unknown } {
  return err instanceof Error && err.name === 'ComponentError' && 'payload' in err;
}

function resolvePath(root: ComponentExports, path: readonly string[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    const obj = cur as Record<string, unknown>;
    cur = obj[key] ?? obj[key.replace(/@[^/]*$/, '')];
  }
  return cur;
}
