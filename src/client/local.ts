import { createRuntime, type Runtime, type RuntimeOptions } from '../core/runtime.js';
import { configView, type LoadedConfig } from '../core/config/load.js';
import * as services from '../core/usecases/services.js';
import type {
  Client, ComponentInfo, ConfigView, InvokeRequest, InvokeResponse, ReloadResult, ServiceInfo, StatusResponse, AgentInvokeRequest, AgentInvokeResponse, AgentInfo, AgentPage, AgentsQuery, TaskPage, OplogEntry, ComponentDetail,
} from './contract.js';
import { golemOutcome } from '../core/values/typed.js';
import type { Execution, HistoryQuery, Job, JobDescription, JobExplanation, JobHistory, JobLogOptions, ListQuery, LogLine, NodeState, Page, Rerun, SpecConfig, SubmitResult } from './contract.js';
import * as jobs from '../core/usecases/jobs.js';
import * as agentsUse from '../core/usecases/agents.js';
import type {
  Assigned, BacklogEntry, Explanation, Inbox, OrphanReport, PendingTask, Reclaimed, ReclaimRequest, Recovered, SendMessageRequest, ServerInfo, Spawned, SpawnRequest,
  TahoEvent, TaskFilter, TownEvent, TownStatus, TownTask, WatchOptions,
} from './contract.js';
import * as town from '../core/usecases/town.js';
import { toTownEvent } from './contract.js';
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
    return services.invoke(this.runtime, request);
  }

  async services(): Promise<ServiceInfo[]> {
    return services.listServices(this.runtime);
  }

  async components(): Promise<ComponentInfo[]> {
    return services.listComponents(this.runtime);
  }

  async component(ref: string): Promise<ComponentDetail> {
    return services.describeComponent(this.runtime, ref);
  }

  async addComponent(name: string, bytes: Uint8Array): Promise<ComponentDetail> {
    return services.uploadComponent(this.runtime, name, bytes);
  }

  async reload(): Promise<ReloadResult> {
    return services.reload(this.runtime);
  }

  async config(): Promise<ConfigView> {
    return configView(this.#loaded);
  }

  restart(domain: string, service: string, config?: string): Promise<StatusResponse> {
    return services.restartService(this.runtime, domain, service, config);
  }

  async quiesce(domain: string, service: string): Promise<StatusResponse> {
    const { response, drained } = services.quiesceService(this.runtime, domain, service);
    await drained; // in-process, the calls in flight must finish before the CLI exits
    return response;
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

  agents(q: AgentsQuery = {}): Promise<AgentPage> {
    return agentsUse.listAgents(this.runtime, q);
  }

  agent(component: string, agent: string): Promise<AgentInfo> {
    return agentsUse.describeAgent(this.runtime, component, agent);
  }

  deleteAgent(component: string, agent: string): Promise<void> {
    return agentsUse.deleteAgent(this.runtime, component, agent);
  }

  async cancelInvocation(component: string, agent: string, key: string): Promise<{ canceled: boolean }> {
    return agentsUse.cancelInvocation(this.runtime, component, agent, key);
  }

  oplog(component: string, agent: string): Promise<OplogEntry[]> {
    return agentsUse.agentOplog(this.runtime, component, agent);
  }

  readonly inProcess = true;

  async submitJob(job: unknown, options: { force?: boolean | undefined; idempotencyKey?: string | undefined } = {}): Promise<SubmitResult> {
    await this.runtime.startJobs(); // in-process, this process runs what it submits
    return jobs.submitJob(this.runtime, job, options);
  }

  jobCounts(): Promise<Record<string, number>> {
    return this.runtime.stores().jobs.jobCounts();
  }

  async jobs(query: ListQuery = {}): Promise<Page<Job>> {
    await this.runtime.settleJobs();
    return jobs.listJobs(this.runtime, query);
  }

  async describeJob(id: string): Promise<JobDescription> {
    await this.runtime.settleJobs();
    return jobs.describeJob(this.runtime, id, { include: ['history', 'executions'] });
  }

  stopJob(id: string, reason?: string): Promise<{ EvaluationID: string }> {
    return jobs.stopJob(this.runtime, id, reason);
  }

  async jobExecutions(id: string): Promise<Execution[]> {
    await this.runtime.settleJobs();
    return (await jobs.jobExecutions(this.runtime, id)).Items;
  }

  async jobHistory(id: string, query: HistoryQuery = {}): Promise<Page<JobHistory>> {
    await this.runtime.settleJobs();
    return jobs.jobHistory(this.runtime, id, query);
  }

  async jobResults(id: string): Promise<SpecConfig[]> {
    return (await jobs.jobResults(this.runtime, id)).Items;
  }

  async rerunJob(id: string, reason?: string): Promise<Rerun> {
    await this.runtime.startJobs();
    return jobs.rerunJob(this.runtime, id, { reason });
  }

  async explainJob(id: string): Promise<JobExplanation> {
    await this.runtime.settleJobs();
    return jobs.explainJob(this.runtime, id);
  }

  jobLogs(id: string, options: JobLogOptions): AsyncIterable<LogLine> {
    return this.runtime.jobs().logs(id, options);
  }

  async nodes(): Promise<NodeState[]> {
    return jobs.listNodes(this.runtime, packageVersion());
  }

  async node(id: string): Promise<NodeState> {
    return jobs.getNode(this.runtime, packageVersion(), id);
  }

  townStatus(): Promise<TownStatus> {
    return town.townStatus(this.runtime);
  }

  spawnAgent(request: SpawnRequest): Promise<Spawned> {
    return town.spawnAgent(this.runtime, request);
  }

  async killAgent(agent: string): Promise<void> {
    await town.killAgent(this.runtime, agent);
  }

  async restartAgent(agent: string): Promise<void> {
    await town.restartAgent(this.runtime, agent);
  }

  pruneAgents(all?: boolean): Promise<{ removed: number; agents: string[] }> {
    return town.pruneAgents(this.runtime, all);
  }

  assignTask(agent: string, task: string, urgent?: boolean): Promise<Assigned> {
    return town.assignTask(this.runtime, agent, task, urgent);
  }

  sendMessage(request: SendMessageRequest): Promise<{ message_id: string; to_agent: string; urgent: boolean }> {
    return town.sendMessage(this.runtime, request);
  }

  inbox(agent: string): Promise<Inbox> {
    return town.inbox(this.runtime, agent);
  }

  backlog(): Promise<BacklogEntry[]> {
    return town.backlog(this.runtime);
  }

  backlogAdd(description: string, tags?: readonly string[]): Promise<{ task_id: string; description: string }> {
    return town.backlogAdd(this.runtime, description, tags);
  }

  backlogClaim(taskId: string, agent: string): Promise<Assigned> {
    return town.backlogClaim(this.runtime, taskId, agent);
  }

  backlogAssignAll(agent: string): Promise<{ assigned: number; tasks: string[] }> {
    return town.backlogAssignAll(this.runtime, agent);
  }

  backlogRemove(taskId: string): Promise<{ removed: true; task_id: string }> {
    return town.backlogRemove(this.runtime, taskId);
  }

  tasks(filter?: TaskFilter): Promise<TaskPage> {
    return town.tasks(this.runtime, filter);
  }

  task(id: string): Promise<TownTask> {
    return town.task(this.runtime, id);
  }

  completeTask(id: string, result?: string): Promise<TownTask> {
    return town.completeTask(this.runtime, id, result);
  }

  pendingTasks(): Promise<PendingTask[]> {
    return town.pendingTasks(this.runtime);
  }

  recover(options: { dryRun?: boolean | undefined } = {}): Promise<Recovered> {
    return town.recover(this.runtime, options);
  }

  reclaim(request: ReclaimRequest): Promise<Reclaimed> {
    return town.reclaim(this.runtime, request);
  }

  orphans(action?: string): Promise<OrphanReport> {
    return town.orphans(this.runtime, action === undefined ? undefined : { action });
  }

  explain(id: string): Promise<Explanation> {
    return town.explain(this.runtime, id);
  }

  roundLog(agent: string, round?: number): Promise<string> {
    return town.roundLog(this.runtime, agent, round);
  }

  async serverInfo(): Promise<ServerInfo> {
    const town = this.runtime.town();
    return { dispatcher: await town.dispatcherState(), store: this.runtime.stores().kind, storeLatencyMs: (await town.timedBacklog()).ms, invocations: this.runtime.stats.snapshot() };
  }

  async *townEvents(options: { after?: number | undefined; follow: boolean; signal?: AbortSignal | undefined }): AsyncGenerator<TownEvent> {
    for await (const e of this.watch({ after: options.after, kinds: ['town'], follow: options.follow, signal: options.signal })) yield toTownEvent(e);
  }

  async *watch(options: WatchOptions = {}): AsyncGenerator<TahoEvent> {
    const log = this.runtime.events();
    const filter = { kinds: options.kinds, subject: options.subject };
    const after = options.after === 'latest' ? await log.lastId() : options.after ?? 0;
    options.onLive?.();
    if (options.follow === false) {
      for (let last = after, page = await log.read(last, filter); page.length > 0; page = await log.read(last, filter)) {
        for (const e of page) yield e;
        last = page.at(-1)?.id ?? last;
      }
      return;
    }
    // The log's one follow primitive: what is stored after `after`, then what comes, by any process.
    const stop = new AbortController();
    const abort = (): void => stop.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    if (options.signal?.aborted) return;
    try {
      yield* log.follow({ after, ...filter, signal: stop.signal });
    } finally {
      options.signal?.removeEventListener('abort', abort);
      stop.abort();
    }
  }

  async close(): Promise<void> {
    await this.runtime.close();
  }
}
