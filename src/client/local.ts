import { createRuntime, type Runtime, type RuntimeOptions } from '../core/runtime.js';
import { configView, type LoadedConfig } from '../core/config/load.js';
import { componentDetail, componentInfo, reloadResult, serviceInfo } from '../core/services/info.js';
import { formatWitFunction } from '../core/components/wit-print.js';
import { componentView } from '../core/components/golem-view.js';
import type {
  Client, ComponentInfo, ConfigView, InvokeRequest, InvokeResponse, ReloadResult, ServiceInfo, StatusResponse, AgentInvokeRequest, AgentInvokeResponse, AgentInfo, OplogEntry, ComponentDetail,
} from './contract.js';
import { golemOutcome } from '../core/values/typed.js';

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

  async component(ref: string): Promise<ComponentDetail> {
    const entry = this.runtime.component(ref);
    return componentDetail(entry, formatWitFunction, componentView(entry));
  }

  async addComponent(name: string, bytes: Uint8Array): Promise<ComponentDetail> {
    const entry = this.runtime.addComponent(name, bytes);
    return componentDetail(entry, formatWitFunction, componentView(entry));
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

  async agentInvoke(r: AgentInvokeRequest): Promise<AgentInvokeResponse> {
    const agents = this.runtime.agents();
    const entry = agents.component(r.component);
    const fn = entry.signature.functions.find((f) => f.name === r.fn || `${f.iface}.{${f.name}}` === r.fn);
    const done = agents.invoke(entry.id, r.agent, r.fn, r.args, r.key);
    if (!r.wait) {
      done.catch(() => undefined);
      await agents.agent(entry.id, r.agent).idle(); // in-process, the call must finish before the CLI exits
      return {};
    }
    if (!fn) return (await done, {});
    const typed = await golemOutcome(fn, done);
    return typed ? { result: typed } : {};
  }

  async agents(component?: string): Promise<AgentInfo[]> {
    const agents = this.runtime.agents();
    const ids = component === undefined ? this.runtime.registry.list().map((e) => e.id) : [agents.component(component).id];
    return ids.flatMap((id) => agents.names(id).map((name) => agents.info(id, name)));
  }

  async agent(component: string, agent: string): Promise<AgentInfo> {
    return this.runtime.agents().info(component, agent);
  }

  async deleteAgent(component: string, agent: string): Promise<void> {
    const agents = this.runtime.agents();
    const id = agents.component(component).id;
    agents.info(id, agent);
    await agents.delete(id, agent);
  }

  async cancelInvocation(component: string, agent: string, key: string): Promise<{ canceled: boolean }> {
    const agents = this.runtime.agents();
    return { canceled: agents.agent(agents.component(component).id, agent).cancel(key) };
  }

  async oplog(component: string, agent: string): Promise<OplogEntry[]> {
    const agents = this.runtime.agents();
    const id = agents.component(component).id;
    agents.info(id, agent);
    return agents.oplog(id, agent);
  }

  async close(): Promise<void> {
    await this.runtime.close();
  }
}
