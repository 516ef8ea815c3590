import type { WorkerPool } from '../workers/pool.js';
import type { CallTimer } from '../stats/invocations.js';
import { TahoError } from '../errors.js';
import type { ComponentLoader } from '../components/loader.js';
import { functionNames, type ComponentEntry } from '../components/registry.js';
import { planAll, type CallPlan, type Json } from './call-plan.js';
import { CallFailure, type Executor, type Isolation } from './executor.js';
import { failureToError } from './failures.js';
import { InlineExecutor } from './inline-executor.js';
import { WorkerExecutor } from './worker-executor.js';

export type ServiceState = 'idle' | 'loading' | 'ready' | 'quiescing' | 'stopped';

export interface ServiceSettings {
  readonly isolation: Isolation;
  /** Worker threads per service (isolation = worker). */
  readonly workers: number;
  readonly invokeTimeoutMs: number;
  /** The service's own config, handed to the component as `TAHO_SERVICE_CONFIG`. */
  readonly config: string | undefined;
  readonly memoryLimitBytes: number;
  /** Times and counts the calls that ran (for the stats). */
  readonly timer?: CallTimer | undefined;
}

export interface CallOutcome {
  readonly plan: CallPlan;
  /** jco's value; `plan.result(value)` is its JSON. */
  readonly value: unknown;
}

/**
 * One stateless service: a component version, its call plans, and an executor holding its
 * instance(s). Quiescing refuses new calls and waits for the ones in flight.
 */
export class Service {
  readonly entry: ComponentEntry;
  readonly settings: ServiceSettings;
  readonly plans: ReadonlyMap<string, CallPlan>;
  readonly #executor: Executor;
  #state: ServiceState = 'idle';
  #inFlight = 0;
  #drained: (() => void) | undefined;

  constructor(entry: ComponentEntry, loader: ComponentLoader, settings: ServiceSettings, pool: WorkerPool) {
    this.entry = entry;
    this.settings = settings;
    this.plans = planAll(entry.signature.functions);
    const environment = settings.config === undefined ? {} : { TAHO_SERVICE_CONFIG: settings.config };
    const label = `${entry.domain}/${entry.service}`;
    this.#executor = settings.isolation === 'worker'
      ? new WorkerExecutor(label, () => loader.workerInit(entry, environment, settings.memoryLimitBytes), pool, settings.workers)
      : new InlineExecutor(() => loader.instantiate(entry, { environment }, settings.memoryLimitBytes));
  }

  get state(): ServiceState {
    return this.#state;
  }

  get inFlight(): number {
    return this.#inFlight;
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

  async warm(): Promise<void> {
    if (this.#state === 'idle') this.#state = 'loading';
    try {
      await this.#executor.warm();
    } catch (err) {
      if (this.#state === 'loading') this.#state = 'idle';
      if (err instanceof TahoError) throw err;
      throw new TahoError('TAHO_COMPONENT_INVALID', `cannot start ${this.entry.domain}/${this.entry.service}: ${(err as Error).message}`, {
        hint: 'The component could not be instantiated; check what it imports with `taho components --json`.',
        cause: err,
      });
    }
    if (this.#state === 'loading') this.#state = 'ready';
  }

  /**
   * The same call without a promise when the service is inline and warm (the common case on a
   * busy server), else undefined and the caller awaits `invoke`.
   */
  tryInvokeNow(method: string, input: unknown): CallOutcome | undefined {
    const { callSync } = this.#executor;
    if (!callSync || !this.#executor.ready) return undefined;
    this.#refuseIfStopping();
    const plan = this.plan(method);
    const timer = this.settings.timer;
    let started = false;
    let t0 = -1;
    try {
      const args = plan.args(input);
      if (timer) t0 = timer.begin();
      started = true;
      const value = callSync.call(this.#executor, plan.path, args);
      timer?.end(t0, true);
      return { plan, value };
    } catch (err) {
      if (started) timer?.end(t0, false); // a call that ran, not bad arguments
      throw this.#failure(plan, err);
    }
  }

  async invoke(method: string, input: unknown): Promise<CallOutcome> {
    this.#refuseIfStopping();
    const plan = this.plan(method);
    const args = plan.args(input); // bad arguments fail before anything runs
    if (!this.#executor.ready) await this.warm();
    this.#inFlight += 1;
    const timer = this.settings.timer;
    const t0 = timer ? timer.begin() : -1;
    try {
      const value = await this.#executor.call(plan.path, args, this.settings.invokeTimeoutMs);
      timer?.end(t0, true);
      return { plan, value };
    } catch (err) {
      timer?.end(t0, false);
      throw this.#failure(plan, err);
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0) this.#drained?.();
    }
  }

  async call(method: string, input: unknown): Promise<Json> {
    const { plan, value } = await this.invoke(method, input);
    return plan.result(value);
  }

  /** Stops taking calls, lets those in flight finish (at most `graceMs`), then frees the instance. */
  async quiesce(graceMs: number): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'quiescing';
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#state = 'stopped';
    await this.#executor.dispose();
  }

  #refuseIfStopping(): void {
    if (this.#state === 'quiescing' || this.#state === 'stopped') {
      throw new TahoError('TAHO_SERVICE_UNAVAILABLE', `${this.entry.domain}/${this.entry.service} is ${this.#state}`, {
        hint: 'It was quiesced. `taho restart` (or POST …/restart, or a reload) brings it back.',
        retryable: true,
        retryAfterMs: 1000,
      });
    }
  }

  #failure(plan: CallPlan, err: unknown): TahoError {
    if (err instanceof TahoError) return err;
    return failureToError(`${this.entry.domain}/${this.entry.service} ${plan.fn.name}`, plan, CallFailure.from(err),
      'The component failed while running (a trap). Its instance is replaced for the next call.');
  }

}
