import { createRuntime, type Runtime, type RuntimeOptions } from '../core/runtime.js';
import type { LoadedConfig } from '../core/config/load.js';
import type { ComponentEntry, ReloadReport } from '../core/components/registry.js';
import type { Service } from '../core/services/service.js';
import type {
  Client, ComponentInfo, ConfigView, InvokeRequest, InvokeResponse, ReloadResult, ServiceInfo,
} from './contract.js';

/** The Client over the runtime core in this process. */
export class LocalClient implements Client {
  readonly runtime: Runtime;
  readonly #loaded: LoadedConfig;

  constructor(loaded: LoadedConfig, options: RuntimeOptions = {}) {
    this.#loaded = loaded;
    this.runtime = createRuntime(loaded.config, options);
  }

  async invoke(request: InvokeRequest): Promise<InvokeResponse> {
    const result = await this.runtime.services.invoke(request.domain, request.service, request.method, request.input);
    return { result };
  }

  async services(): Promise<ServiceInfo[]> {
    return this.runtime.services.list().map(serviceInfo);
  }

  async components(): Promise<ComponentInfo[]> {
    return this.runtime.registry.list().map(componentInfo);
  }

  async reload(): Promise<ReloadResult> {
    return reloadResult(this.runtime.reload(), this.runtime.registry.list());
  }

  async config(): Promise<ConfigView> {
    return { file: this.#loaded.file ?? null, entries: this.#loaded.entries };
  }

  async close(): Promise<void> {}
}

export function serviceInfo(svc: Service): ServiceInfo {
  const e = svc.entry;
  return {
    id: e.key, domain: e.domain, service: e.service, componentId: e.id, version: e.version,
    methods: e.signature.functions.map((fn, i) => {
      const plan = svc.plans.get(svc.methodNames()[i] ?? fn.name);
      return {
        name: svc.methodNames()[i] ?? fn.name,
        signature: plan?.signature ?? fn.name,
        params: fn.params,
        ...(fn.result === undefined ? {} : { result: fn.result }),
      };
    }),
  };
}

export function componentInfo(e: ComponentEntry): ComponentInfo {
  return { id: e.id, name: `${e.domain}/${e.service}`, version: e.version, size: e.size, path: e.path, imports: e.signature.imports };
}

/** TAHO's reload body, plus what changed. */
export function reloadResult(report: ReloadReport, loaded: readonly ComponentEntry[]): ReloadResult {
  return {
    status: report.errors.length === 0 ? 'success' : 'partial',
    components_loaded: loaded.length,
    services: loaded.map((e) => e.key),
    added: report.added, updated: report.updated, removed: report.removed, errors: report.errors,
  };
}
