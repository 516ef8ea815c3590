import type { CallTimer } from '../stats/invocations.js';
import { readFileSync } from 'node:fs';
import TOML from '@iarna/toml';
import { TahoError } from '../errors.js';
import type { ComponentLoader } from '../components/loader.js';
import type { ComponentEntry, ComponentRegistry } from '../components/registry.js';
import type { Json } from './call-plan.js';
import type { Isolation } from './executor.js';
import { Service, type CallOutcome, type ServiceSettings } from './service.js';
import type { WorkerPool } from '../workers/pool.js';

export interface ServiceDefaults {
  readonly isolation: Isolation;
  readonly workers: number;
  readonly invokeTimeoutMs: number;
  readonly memoryLimitBytes: number;
  /** How long quiesce and restart wait for calls in flight. */
  readonly drainMs: number;
  /** Told of every lifecycle change (`restarted`, `quiesced`, `retired`), for the event stream. */
  readonly onChange?: ((service: string, change: string, version: string) => void) | undefined;
  /** Times and counts every call that ran, for the stats. */
  readonly timer?: CallTimer | undefined;
}

/**
 * Stateless services over the registry: the current Service of each component, swapped whole on
 * restart and reload so calls in flight finish on the instance they started on.
 */
export class ServiceManager {
  readonly #registry: ComponentRegistry;
  readonly #loader: ComponentLoader;
  readonly #defaults: ServiceDefaults;
  readonly #current = new Map<string, Service>();
  readonly #retiring = new Set<Service>();
  /** Config given by restart; it replaces the `<service>.toml` until the component changes. */
  readonly #configOverrides = new Map<string, string>();
  readonly #pool: WorkerPool;

  /** `pool`: the runtime's worker threads, which services in worker isolation take theirs from. */
  constructor(registry: ComponentRegistry, loader: ComponentLoader, defaults: ServiceDefaults, pool: WorkerPool) {
    this.#pool = pool;
    this.#registry = registry;
    this.#loader = loader;
    this.#defaults = defaults;
  }

  get(domain: string, service: string): Service {
    const entry = this.#registry.get(domain, service);
    if (!entry) throw this.#notFound(domain, service);
    let svc = this.#current.get(entry.key);
    if (!svc || svc.entry.version !== entry.version) {
      if (svc) this.#retire(svc);
      svc = this.#create(entry);
      this.#current.set(entry.key, svc);
    }
    return svc;
  }

  list(): Service[] {
    return this.#registry.list().map((e) => this.get(e.domain, e.service));
  }

  invoke(domain: string, service: string, method: string, input: unknown): Promise<CallOutcome> {
    return this.get(domain, service).invoke(method, input);
  }

  async call(domain: string, service: string, method: string, input: unknown): Promise<Json> {
    return this.get(domain, service).call(method, input);
  }

  /** The synchronous hot path for a warm inline service (benchmarks, in-process callers). */
  invokeSync(domain: string, service: string, method: string, input: unknown): Json {
    const outcome = this.get(domain, service).tryInvokeNow(method, input);
    if (!outcome) throw new TahoError('TAHO_INTERNAL', `${domain}/${service} is not warm and inline; use invoke()`);
    return outcome.plan.result(outcome.value);
  }

  /**
   * Starts a new instance (with new config when given), switches to it once it is ready, and lets
   * the old one finish what it is doing: no call fails during the swap.
   */
  async restart(domain: string, service: string, config?: string): Promise<Service> {
    const { entry } = this.get(domain, service);
    if (config !== undefined) this.#configOverrides.set(entry.key, config);
    const next = this.#create(entry);
    try {
      await next.warm();
    } catch (err) {
      this.#retire(next);
      throw err;
    }
    // Retire whatever is current now: with restarts racing, that may be another restart's instance.
    const current = this.#current.get(entry.key);
    this.#current.set(entry.key, next);
    if (current && current !== next) this.#retire(current);
    this.#defaults.onChange?.(`${entry.domain}/${entry.service}`, 'restarted', entry.version);
    return next;
  }

  /** Refuses new calls at once; resolves when the calls in flight are done (bounded). */
  async quiesce(domain: string, service: string): Promise<Service> {
    const svc = this.get(domain, service);
    await svc.quiesce(this.#defaults.drainMs);
    this.#defaults.onChange?.(`${svc.entry.domain}/${svc.entry.service}`, 'quiesced', svc.entry.version);
    return svc;
  }

  /** After a reload: retire services whose component changed or went away. */
  prune(): void {
    for (const [key, svc] of this.#current) {
      const entry = this.#registry.get(svc.entry.domain, svc.entry.service);
      if (entry && entry.version === svc.entry.version && svc.state !== 'stopped') continue;
      this.#current.delete(key);
      this.#configOverrides.delete(key);
      this.#retire(svc);
      this.#defaults.onChange?.(`${svc.entry.domain}/${svc.entry.service}`, entry ? 'updated' : 'removed', entry?.version ?? svc.entry.version);
    }
  }

  /** Starts the services of these components now (transpiled, compiled, their threads up), in the background. */
  prepare(entries: readonly ComponentEntry[]): void {
    for (const e of entries) void this.get(e.domain, e.service).warm().catch(() => undefined); // a broken one fails its calls as before
  }

  async close(): Promise<void> {
    const all = [...this.#current.values(), ...this.#retiring];
    this.#current.clear();
    await Promise.all(all.map((s) => s.quiesce(this.#defaults.drainMs)));
  }

  #create(entry: ComponentEntry): Service {
    return new Service(entry, this.#loader, this.#settings(entry), this.#pool);
  }

  /** Lets a replaced service finish its calls in the background; close() waits for it too. */
  #retire(svc: Service): void {
    this.#retiring.add(svc);
    void svc.quiesce(this.#defaults.drainMs).catch(() => undefined).finally(() => this.#retiring.delete(svc));
  }

  #settings(entry: ComponentEntry): ServiceSettings {
    const override = this.#configOverrides.get(entry.key);
    const text = override ?? (entry.configPath ? readFileSync(entry.configPath, 'utf8') : undefined);
    const own = text !== undefined && override === undefined ? tahoTable(entry, text) : {};
    return {
      isolation: own.isolation ?? this.#defaults.isolation,
      workers: own.workers ?? this.#defaults.workers,
      invokeTimeoutMs: this.#defaults.invokeTimeoutMs,
      memoryLimitBytes: this.#defaults.memoryLimitBytes,
      config: text,
      timer: this.#defaults.timer,
    };
  }

  #notFound(domain: string, service: string): TahoError {
    const known = this.#registry.list().map((e) => `${e.domain}/${e.service}`);
    return new TahoError('TAHO_SERVICE_NOT_FOUND', `no service ${domain}/${service}; services: ${known.join(', ') || 'none'}`, {
      hint: 'Check the name, or add the component to a repository (`<repo>/<domain>/<service>.wasm`) and run `taho reload`.',
      details: { services: known },
    });
  }
}

/** The `[taho]` table of a `<service>.toml`: how taho runs the service (the rest is the component's). */
function tahoTable(entry: ComponentEntry, text: string): { isolation?: Isolation; workers?: number } {
  let parsed: Record<string, unknown>;
  try {
    parsed = TOML.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new TahoError('TAHO_CONFIG_INVALID', `${entry.configPath ?? entry.key}: not valid TOML: ${(err as Error).message.split('\n')[0]}`, {
      hint: 'Fix the service config file, then `taho reload`.',
    });
  }
  const t = parsed.taho as Record<string, unknown> | undefined;
  if (t === undefined) return {};
  const isolation = t.isolation;
  const workers = t.workers;
  if (isolation !== undefined && isolation !== 'inline' && isolation !== 'worker') {
    throw new TahoError('TAHO_CONFIG_INVALID', `${entry.configPath}: [taho] isolation: must be "inline" or "worker", got ${JSON.stringify(isolation)}`, {
      hint: 'Fix the service config file, then `taho reload`.',
    });
  }
  if (workers !== undefined && (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > 64)) {
    throw new TahoError('TAHO_CONFIG_INVALID', `${entry.configPath}: [taho] workers: must be an integer from 1 to 64, got ${JSON.stringify(workers)}`, {
      hint: 'Fix the service config file, then `taho reload`.',
    });
  }
  return { ...(isolation === undefined ? {} : { isolation }), ...(workers === undefined ? {} : { workers }) };
}
