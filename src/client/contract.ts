import type { ConfigView } from '../core/config/load.js';
import type { AgentInfo } from '../core/agents/info.js';
import type { AgentPage } from '../core/agents/listing.js';
import type { OplogEntry } from '../core/store/ports/agents.js';
import type { ValueAndType } from '../core/values/typed.js';

export type { AgentInfo } from '../core/agents/info.js';
export type { AgentPage } from '../core/agents/listing.js';
export type { OplogEntry } from '../core/store/ports/agents.js';

export type { ConfigView } from '../core/config/load.js';
import type { ComponentDetail, ComponentInfo, ReloadResult, ServiceInfo } from '../core/services/info.js';

export type { ComponentDetail, ComponentInfo, MethodInfo, ReloadResult, ServiceInfo } from '../core/services/info.js';

import type { Execution, Job, JobHistory, SpecConfig } from '../core/jobs/model.js';
import type { HistoryQuery, JobExplanation, ListQuery, Page, SubmitResult } from '../core/jobs/orchestrator.js';
import type { LogLine } from '../core/jobs/logs.js';

export type { Execution, Job, JobHistory, SpecConfig } from '../core/jobs/model.js';
export type { HistoryQuery, JobExplanation, ListQuery, Page, SubmitResult } from '../core/jobs/orchestrator.js';
export type { LogLine } from '../core/jobs/logs.js';

import type { BacklogEntry, Task as TownTask, TownEvent } from '../core/town/model.js';
import type { PendingTask, TaskPage } from '../core/town/town.js';
import type { Explanation } from '../core/town/explain.js';

export type { Agent as TownAgent, BacklogEntry, InboxItem, Task as TownTask, TownEvent } from '../core/town/model.js';
export type { PendingTask } from '../core/town/town.js';
export type { AgentStatusView as TownAgentStatus } from '../core/usecases/town.js';
export type { Explanation, AgentExplanation, TaskExplanation } from '../core/town/explain.js';
export type { Round } from '../core/town/model.js';
// Values the CLI shows jobs and towns with (names of states, short ids).
export { shortId, COMPUTE_STATE_NAMES, DESIRED_STATE_NAMES, TERMINAL_JOB_STATES } from '../core/jobs/model.js';
export { TASK_STATES, SUPERVISOR_ID } from '../core/town/model.js';

export type {
  AgentBrief, AgentStatusView, Assigned, Inbox, OrphanReport, Reclaimed, ReclaimRequest, Recovered, SendMessageRequest, Spawned, SpawnRequest, TaskFilter, TownInfo, TownStatus,
} from '../core/usecases/town.js';
import type {
  Assigned, Inbox, OrphanReport, Reclaimed, ReclaimRequest, Recovered, SendMessageRequest, Spawned, SpawnRequest, TaskFilter, TownStatus,
} from '../core/usecases/town.js';
export type { TaskPage } from '../core/town/town.js';
/** The CLI's name for a task listing's query (state as typed, checked by the town). */
export type { TaskFilter as TasksQuery } from '../core/usecases/town.js';

export type { AgentsQuery } from '../core/usecases/agents.js';
import type { AgentsQuery } from '../core/usecases/agents.js';

/** The town half of the Client (Tinytown's townhall). */
export interface TownClient {
  townStatus(): Promise<TownStatus>;
  spawnAgent(request: SpawnRequest): Promise<Spawned>;
  killAgent(agent: string): Promise<void>;
  restartAgent(agent: string): Promise<void>;
  pruneAgents(all?: boolean): Promise<{ removed: number; agents: string[] }>;
  assignTask(agent: string, task: string, urgent?: boolean): Promise<Assigned>;
  sendMessage(request: SendMessageRequest): Promise<{ message_id: string; to_agent: string; urgent: boolean }>;
  inbox(agent: string): Promise<Inbox>;
  backlog(): Promise<BacklogEntry[]>;
  backlogAdd(description: string, tags?: readonly string[]): Promise<{ task_id: string; description: string }>;
  backlogClaim(taskId: string, agent: string): Promise<Assigned>;
  backlogAssignAll(agent: string): Promise<{ assigned: number; tasks: string[] }>;
  backlogRemove(taskId: string): Promise<{ removed: true; task_id: string }>;
  /** A page of tasks in creation order; `after` is the previous page's `next`. */
  tasks(query?: TaskFilter): Promise<TaskPage>;
  task(id: string): Promise<TownTask>;
  completeTask(id: string, result?: string): Promise<TownTask>;
  pendingTasks(): Promise<PendingTask[]>;
  /** `dryRun`: what a real run would mark, nothing changed. */
  recover(options?: { dryRun?: boolean | undefined }): Promise<Recovered>;
  reclaim(request: ReclaimRequest): Promise<Reclaimed>;
  orphans(action?: string): Promise<OrphanReport>;
  explain(id: string): Promise<Explanation>;
  /** A round's log (default: the agent's last round). */
  roundLog(agent: string, round?: number): Promise<string>;
  /** Town events after `after`; with follow, new ones as they happen (over HTTP, resumed after a drop). */
  townEvents(options: { after?: number | undefined; follow: boolean; signal?: AbortSignal | undefined }): AsyncIterable<TownEvent>;
}

/**
 * One state change anywhere on the server, on the one event stream (`GET /v1/events`,
 * `Client.watch`). Ids increase strictly and survive restarts, so `after` resumes with no gap.
 * `type` says what happened (`agent.spawned`, `task.completed`, a job state, `invoked`, …),
 * `subject` to what (an agent or task id, a job id, `component/agent`, `domain/service`).
 */
export type { EventKind, TahoEvent } from '../core/events/bus.js';
import type { EventKind, TahoEvent } from '../core/events/bus.js';

/** A town event as `tt events` shows it, from the one stream (`town` events: `<kind>.<type>`). */
export function toTownEvent(e: TahoEvent): TownEvent {
  const dot = e.type.indexOf('.');
  return { id: e.id, kind: e.type.slice(0, dot) as TownEvent['kind'], type: e.type.slice(dot + 1), at: e.at, data: e.data };
}

export type { InvocationSnapshot } from '../core/stats/invocations.js';
import type { InvocationSnapshot } from '../core/stats/invocations.js';

export interface ServerInfo {
  readonly uptimeSecs?: number | undefined;
  readonly dispatcher?: string | undefined;
  /** The embedded store (`sqlite`) and how long a read of it took just now. */
  readonly store?: string | undefined;
  readonly storeLatencyMs?: number | undefined;
  /** `none` or `api_key` (a server's; nothing in-process). */
  readonly auth?: string | undefined;
  /** Invocations of services and durable agents over the last minute (`/v1/stats`). */
  readonly invocations?: InvocationSnapshot | undefined;
}

export interface WatchOptions {
  /** Resume after this event id (0: from the oldest kept; `latest`: only what happens from now). */
  readonly after?: number | 'latest' | undefined;
  readonly kinds?: readonly EventKind[] | undefined;
  readonly subject?: string | undefined;
  /** Keep the stream open for new events (default true). */
  readonly follow?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * Called once the stream's starting point is fixed (`latest` resolved, the server answered):
   * every event committed after this call is delivered. A wait for changes subscribes, waits for
   * this, and only then reads the state it waits on, so no change falls in between.
   */
  readonly onLive?: (() => void) | undefined;
}

export type { JobDescription, NodeState, Rerun } from '../core/usecases/jobs.js';
import type { JobDescription, NodeState, Rerun } from '../core/usecases/jobs.js';

export interface JobLogOptions {
  readonly executionId?: string | undefined;
  readonly follow: boolean;
  readonly tail?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * What the CLI and the dashboard can ask of taho, in-process (LocalClient) or over HTTP. Every
 * type here is plain JSON so both implementations return exactly the same shapes.
 */
export interface Client extends TownClient {
  invoke(request: InvokeRequest): Promise<InvokeResponse>;
  services(): Promise<ServiceInfo[]>;
  components(): Promise<ComponentInfo[]>;
  /** One component by id, `domain/service` or `domain.service`. */
  component(ref: string): Promise<ComponentDetail>;
  /** Uploads a component (validated before it is stored) under `<service>` or `<domain>/<service>`. */
  addComponent(name: string, bytes: Uint8Array): Promise<ComponentDetail>;
  reload(): Promise<ReloadResult>;
  config(): Promise<ConfigView>;
  /** A new instance (with new config when given); calls in flight finish on the old one. */
  restart(domain: string, service: string, config?: string): Promise<StatusResponse>;
  /** Stop taking calls; those in flight finish. */
  quiesce(domain: string, service: string): Promise<StatusResponse>;
  /** Invokes a durable agent (created by its first invocation); `wait: false` only enqueues. */
  agentInvoke(request: AgentInvokeRequest): Promise<AgentInvokeResponse>;
  /** One page of durable agents in creation order; `after` is the previous page's `next`. */
  agents(query?: AgentsQuery): Promise<AgentPage>;
  agent(component: string, agent: string): Promise<AgentInfo>;
  deleteAgent(component: string, agent: string): Promise<void>;
  cancelInvocation(component: string, agent: string, key: string): Promise<{ canceled: boolean }>;
  oplog(component: string, agent: string): Promise<OplogEntry[]>;
  /** True without a server: jobs and town rounds run only while this process lives. */
  readonly inProcess: boolean;
  /** Submits a Bacalhau job spec (the `Job` object). */
  submitJob(job: unknown, options?: { force?: boolean | undefined; idempotencyKey?: string | undefined }): Promise<SubmitResult>;
  jobs(query?: ListQuery): Promise<Page<Job>>;
  /** Jobs by state, as the store keeps them (no job is read). */
  jobCounts(): Promise<Record<string, number>>;
  /** A job by id, unique id prefix or name, with its executions and history. */
  describeJob(id: string): Promise<JobDescription>;
  stopJob(id: string, reason?: string): Promise<{ EvaluationID: string }>;
  jobExecutions(id: string): Promise<Execution[]>;
  jobHistory(id: string, query?: HistoryQuery): Promise<Page<JobHistory>>;
  jobResults(id: string): Promise<SpecConfig[]>;
  rerunJob(id: string, reason?: string): Promise<Rerun>;
  explainJob(id: string): Promise<JobExplanation>;
  /** Log lines of a job's execution; with follow, until it ends (over HTTP, resumed after a dropped connection). */
  jobLogs(id: string, options: JobLogOptions): AsyncIterable<LogLine>;
  nodes(): Promise<NodeState[]>;
  node(id: string): Promise<NodeState>;
  /** The server's uptime (unknown in-process) and the town dispatcher's state, for a status header. */
  serverInfo(): Promise<ServerInfo>;
  /** The one event stream: every state change of town, jobs, durable agents and services. */
  watch(options?: WatchOptions): AsyncIterable<TahoEvent>;
  close(): Promise<void>;
}

export interface AgentInvokeRequest {
  /** A component UUID or its `domain/service` name. */
  readonly component: string;
  readonly agent: string;
  readonly fn: string;
  /** Positional arguments, as plain JSON. */
  readonly args: readonly unknown[];
  readonly key?: string | undefined;
  readonly wait: boolean;
}

/** Golem's answer: `{result: {typ, value}}`, or `{}` for no result or when not waiting. */
export interface AgentInvokeResponse {
  readonly result?: ValueAndType;
}

export type { InvokeRequest, InvokeResponse, StatusResponse } from '../core/usecases/services.js';
import type { InvokeRequest, InvokeResponse, StatusResponse } from '../core/usecases/services.js';
