import { readFileSync } from 'node:fs';
import { TahoError } from '../errors.js';
import type { ComponentLoader } from '../components/loader.js';
import type { ComponentEntry, ComponentRegistry } from '../components/registry.js';
import type { Json } from './call-plan.js';
import { Service } from './service.js';

/** Stateless services over the registry: one Service per loaded component version. */
export class ServiceManager {
  readonly #registry: ComponentRegistry;
  readonly #loader: ComponentLoader;
  readonly #services = new Map<string, Service>();

  constructor(registry: ComponentRegistry, loader: ComponentLoader) {
    this.#registry = registry;
    this.#loader = loader;
  }

  get(domain: string, service: string): Service {
    const entry = this.#registry.get(domain, service);
    if (!entry) throw this.#notFound(domain, service);
    let svc = this.#services.get(entry.key);
    if (!svc || svc.entry.version !== entry.version) {
      svc = new Service(entry, this.#loader, { environment: serviceEnvironment(entry) });
      this.#services.set(entry.key, svc);
    }
    return svc;
  }

  list(): Service[] {
    return this.#registry.list().map((e) => this.get(e.domain, e.service));
  }

  /** Drops instances of services that were removed or changed by a reload. */
  prune(): void {
    for (const [key, svc] of this.#services) {
      const entry = this.#registry.get(svc.entry.domain, svc.entry.service);
      if (!entry || entry.version !== svc.entry.version) this.#services.delete(key);
    }
  }

  invoke(domain: string, service: string, method: string, input: unknown): Promise<Json> {
    return this.get(domain, service).call(method, input);
  }

  /** The synchronous hot path for a warmed service (benchmarks, and the server once warm). */
  invokeSync(domain: string, service: string, method: string, input: unknown): Json {
    const svc = this.get(domain, service);
    return svc.callSync(svc.plan(method), input);
  }

  #notFound(domain: string, service: string): TahoError {
    const known = this.#registry.list().map((e) => `${e.domain}/${e.service}`);
    return new TahoError('TAHO_SERVICE_NOT_FOUND', `no service ${domain}/${service}; services: ${known.join(', ') || 'none'}`, {
      hint: 'Check the name, or add the component to a repository (`<repo>/<domain>/<service>.wasm`) and run `taho reload`.',
      details: { services: known },
    });
  }
}

/** A service's `<service>.toml` reaches the component as `TAHO_SERVICE_CONFIG` in its WASI environment. */
function serviceEnvironment(entry: ComponentEntry): Record<string, string> {
  return entry.configPath ? { TAHO_SERVICE_CONFIG: readFileSync(entry.configPath, 'utf8') } : {};
}
