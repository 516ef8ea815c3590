import { createRuntime, type Runtime, type RuntimeOptions } from '../core/runtime.js';
import { configView, type LoadedConfig } from '../core/config/load.js';
import { componentDetail, componentInfo, reloadResult, serviceInfo } from '../core/services/info.js';
import { formatWitFunction } from '../core/components/wit-print.js';
import { componentView } from '../core/components/golem-view.js';
import type {
  Client, ComponentInfo, ConfigView, InvokeRequest, InvokeResponse, ReloadResult, ServiceInfo, StatusResponse, AgentInvokeRequest, AgentInvokeResponse, AgentInfo, OplogEntry, ComponentDetail,
} from './contract.js';
import { golemOutcome } from '../core/values/typed.js';
import type { Execution, HistoryQuery, Job, JobDescription, JobExplanation, JobHistory, JobLogOptions, ListQuery, LogLine, NodeState, Page, SpecConfig, SubmitResult } from './contract.js';
import { nodeState } from '../core/jobs/views.js';
import { packageVersion } from '../shared/paths.js';

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

  readonly jobsInProcess = true;

  async submitJob(job: unknown, options: { force?: boolean | undefined; idempotencyKey?: string | undefined } = {}): Promise<SubmitResult> {
    this.runtime.startJobs();
    return this.runtime.jobs().submit(job, options);
  }

  async jobs(query: ListQuery = {}): Promise<Page<Job>> {
    return this.runtime.jobs().list(query);
  }

  async describeJob(id: string): Promise<JobDescription> {
    const jobs = this.runtime.jobs();
    const job = jobs.get(id);
    return { Job: job, History: jobs.history(job.ID, { jobVersion: job.Version }), Executions: { Items: jobs.executions(job.ID), NextToken: '' } };
  }

  async stopJob(id: string, reason?: string): Promise<{ EvaluationID: string }> {
    return this.runtime.jobs().stop(id, reason);
  }

  async jobExecutions(id: string): Promise<Execution[]> {
    return this.runtime.jobs().executions(id);
  }

  async jobHistory(id: string, query: HistoryQuery = {}): Promise<Page<JobHistory>> {
    return this.runtime.jobs().history(id, query);
  }

  async jobResults(id: string): Promise<SpecConfig[]> {
    return this.runtime.jobs().results(id);
  }

  async rerunJob(id: string, reason?: string): Promise<{ JobID: string; JobVersion: number; EvaluationID: string; Warnings: string[] }> {
    this.runtime.startJobs();
    return this.runtime.jobs().rerun(id, { reason });
  }

  async explainJob(id: string): Promise<JobExplanation> {
    return this.runtime.jobs().explain(id);
  }

  jobLogs(id: string, options: JobLogOptions): AsyncIterable<LogLine> {
    return this.runtime.jobs().logs(id, options);
  }

  async nodes(): Promise<NodeState[]> {
    return this.runtime.jobs().nodes().map((n) => nodeState(n, packageVersion()));
  }

  async node(id: string): Promise<NodeState> {
    return nodeState(this.runtime.jobs().node(id), packageVersion());
  }

  async close(): Promise<void> {
    await this.runtime.close();
  }
}
