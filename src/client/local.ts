import { createRuntime, type Runtime, type RuntimeOptions } from '../core/runtime.js';
import { configView, type LoadedConfig } from '../core/config/load.js';
import { componentDetail, componentInfo, reloadResult, serviceInfo } from '../core/services/info.js';
import { formatWitFunction } from '../core/components/wit-print.js';
import { componentView } from '../core/components/golem-view.js';
import type {
  Client, ComponentInfo, ConfigView, InvokeRequest, InvokeResponse, ReloadResult, ServiceInfo, StatusResponse, AgentInvokeRequest, AgentInvokeResponse, AgentInfo, AgentPage, AgentsQuery, TaskPage, TasksQuery, OplogEntry, ComponentDetail,
} from './contract.js';
import { golemOutcome } from '../core/values/typed.js';
import type { Execution, HistoryQuery, Job, JobDescription, JobExplanation, JobHistory, JobLogOptions, ListQuery, LogLine, NodeState, Page, SpecConfig, SubmitResult } from './contract.js';
import { nodeState } from '../core/jobs/views.js';
import { listJobs } from '../core/jobs/list.js';
import { DEFAULT_AGENT_PAGE } from '../core/agents/listing.js';
import type { BacklogEntry, Explanation, InboxItem, PendingTask, SendMessageRequest, SpawnRequest, ServerInfo, TahoEvent, TownEvent, TownStatus, TownTask, WatchOptions } from './contract.js';
import { toTownEvent } from './contract.js';
import type { HeldTask, Orphan, OrphanAction } from '../core/town/recovery.js';
import { readFile } from 'node:fs/promises';
import { TahoError } from '../core/errors.js';
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
    const entry = await this.runtime.addComponent(name, bytes);
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

  async agents(q: AgentsQuery = {}): Promise<AgentPage> {
    const agents = this.runtime.agents();
    return agents.page({ componentId: q.component === undefined ? undefined : agents.component(q.component).id, after: q.after, limit: q.limit ?? DEFAULT_AGENT_PAGE });
  }

  async agent(component: string, agent: string): Promise<AgentInfo> {
    return this.runtime.agents().info(component, agent);
  }

  async deleteAgent(component: string, agent: string): Promise<void> {
    const agents = this.runtime.agents();
    const id = agents.component(component).id;
    await agents.info(id, agent);
    await agents.delete(id, agent);
  }

  async cancelInvocation(component: string, agent: string, key: string): Promise<{ canceled: boolean }> {
    const agents = this.runtime.agents();
    return { canceled: agents.agent(agents.component(component).id, agent).cancel(key) };
  }

  async oplog(component: string, agent: string): Promise<OplogEntry[]> {
    const agents = this.runtime.agents();
    const id = agents.component(component).id;
    await agents.info(id, agent);
    return agents.oplog(id, agent);
  }

  readonly inProcess = true;

  async submitJob(job: unknown, options: { force?: boolean | undefined; idempotencyKey?: string | undefined } = {}): Promise<SubmitResult> {
    await this.runtime.startJobs();
    return this.runtime.jobs().submit(job, options);
  }

  jobCounts(): Promise<Record<string, number>> {
    return this.runtime.stores().jobs.jobCounts();
  }

  async jobs(query: ListQuery = {}): Promise<Page<Job>> {
    await this.runtime.settleJobs();
    return listJobs(this.runtime.stores().jobs, query);
  }

  async describeJob(id: string): Promise<JobDescription> {
    await this.runtime.settleJobs();
    const jobs = this.runtime.jobs();
    const job = await jobs.get(id);
    return { Job: job, History: await jobs.history(job.ID, { jobVersion: job.Version, limit: 0 }), Executions: { Items: await jobs.executions(job.ID), NextToken: '' } };
  }

  async stopJob(id: string, reason?: string): Promise<{ EvaluationID: string }> {
    return this.runtime.jobs().stop(id, reason);
  }

  async jobExecutions(id: string): Promise<Execution[]> {
    await this.runtime.settleJobs();
    return this.runtime.jobs().executions(id);
  }

  async jobHistory(id: string, query: HistoryQuery = {}): Promise<Page<JobHistory>> {
    await this.runtime.settleJobs();
    return this.runtime.jobs().history(id, query);
  }

  async jobResults(id: string): Promise<SpecConfig[]> {
    return this.runtime.jobs().results(id);
  }

  async rerunJob(id: string, reason?: string): Promise<{ JobID: string; JobVersion: number; EvaluationID: string; Warnings: string[] }> {
    await this.runtime.startJobs();
    return this.runtime.jobs().rerun(id, { reason });
  }

  async explainJob(id: string): Promise<JobExplanation> {
    await this.runtime.settleJobs();
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

  async townStatus(): Promise<TownStatus> {
    const agents = await this.runtime.town().status();
    return { name: this.runtime.config.town.name, root: this.runtime.config.data_dir, agent_count: agents.length, agents };
  }

  async spawnAgent(request: SpawnRequest): Promise<{ agent_id: string; name: string; cli: string }> {
    const a = await this.runtime.town().spawn(request);
    return { agent_id: a.id, name: a.name, cli: a.cli };
  }

  async killAgent(agent: string): Promise<void> {
    await this.runtime.town().kill(agent);
  }

  async restartAgent(agent: string): Promise<void> {
    await this.runtime.town().restart(agent);
  }

  async pruneAgents(all?: boolean): Promise<{ removed: number; agents: string[] }> {
    return await this.runtime.town().prune({ all });
  }

  async assignTask(agent: string, task: string, urgent?: boolean): Promise<{ task_id: string; agent_id: string; agent_name: string }> {
    const r = await this.runtime.town().assign(agent, task, { urgent });
    return { task_id: r.task_id, agent_id: r.agent_id, agent_name: r.agent_name };
  }

  async sendMessage(request: SendMessageRequest): Promise<{ message_id: string; to_agent: string; urgent: boolean }> {
    const r = await this.runtime.town().send(request);
    return { message_id: r.message_id, to_agent: r.to_agent, urgent: r.urgent };
  }

  async inbox(agent: string): Promise<{ agent: string; total: number; urgent: number; messages: InboxItem[] }> {
    return { ...await this.runtime.town().inbox(agent), agent };
  }

  async backlog(): Promise<BacklogEntry[]> {
    return await this.runtime.town().backlog();
  }

  async backlogAdd(description: string, tags: readonly string[] = []): Promise<{ task_id: string; description: string }> {
    return await this.runtime.town().backlogAdd(description, tags);
  }

  async backlogClaim(taskId: string, agent: string): Promise<{ task_id: string; agent_id: string; agent_name: string }> {
    return await this.runtime.town().claim(taskId, agent);
  }

  async backlogAssignAll(agent: string): Promise<{ assigned: number; tasks: string[] }> {
    return await this.runtime.town().assignAll(agent);
  }

  async backlogRemove(taskId: string): Promise<{ removed: boolean; task_id: string }> {
    return await this.runtime.town().backlogRemove(taskId);
  }

  async tasks(q: TasksQuery = {}): Promise<TaskPage> {
    return await this.runtime.town().tasks(q);
  }

  async task(id: string): Promise<TownTask> {
    return await this.runtime.town().task(id);
  }

  async completeTask(id: string, result?: string): Promise<TownTask> {
    return await this.runtime.town().completeTask(id, result);
  }

  async pendingTasks(): Promise<PendingTask[]> {
    return await this.runtime.town().pendingTasks();
  }

  async recover(): Promise<{ checked: number; recovered: number; agents: string[] }> {
    const r = await this.runtime.town().recover();
    return { checked: r.checked, recovered: r.recovered, agents: r.agents.map((a) => a.name) };
  }

  async reclaim(request: { to?: string | undefined; toBacklog?: boolean | undefined; from?: string | undefined }): Promise<{ reclaimed: number; destination: string; tasks: readonly HeldTask[] }> {
    return await this.runtime.town().reclaim(request);
  }

  async orphans(action?: string): Promise<{ action: OrphanAction; count: number; orphans: Orphan[] }> {
    return await this.runtime.town().orphans(action);
  }

  async explain(id: string): Promise<Explanation> {
    return await this.runtime.town().explain(id);
  }

  async roundLog(agent: string, round?: number): Promise<string> {
    const path = await this.runtime.town().roundLog(agent, round);
    if (!path) throw new TahoError('TAHO_BAD_REQUEST', `agent ${agent} has run no round${round ? ` ${round}` : ''} yet`, { hint: 'Assign it a task; each task is one round.' });
    return readFile(path, 'utf8').catch(() => '');
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
