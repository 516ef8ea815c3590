import { createRuntime, type Runtime, type RuntimeOptions } from '../core/runtime.js';
import { configView, type LoadedConfig } from '../core/config/load.js';
import { componentInfo, reloadResult, serviceInfo } from '../core/services/info.js';
import type {
  Client, ComponentInfo, ConfigView, InvokeRequest, InvokeResponse, ReloadResult, ServiceInfo, StatusResponse,
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
    const result = await this.runtime.services.call(request.domain, request.service, request.method, request.input);
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
    return configView(this.#loaded);
  }

  async restart(domain: string, service: string, config?: string): Promise<StatusResponse> {
    await this.runtime.services.restart(domain, service, config);
    return { status: config === undefined ? 'Service restarted successfully' : 'Service restarted with new configuration' };
  }

  async quiesce(domain: string, service: string): Promise<StatusResponse> {
    await this.runtime.services.quiesce(domain, service);
    return { status: 'quiesced' };
  }

  async close(): Promise<void> {
    await this.runtime.close();
  }
}
