/**
 * The town's operations as Tinytown's townhall answers them, once: the routes
 * (src/server/routes/town.ts) and LocalClient both call these. The routes add only the wire's
 * envelopes (`{tasks, count}`) and status codes.
 */
import { readFile } from 'node:fs/promises';
import type { Runtime } from '../runtime.js';
import { TahoError } from '../errors.js';
import { TASK_STATES, type Agent, type BacklogEntry, type InboxItem, type Task, type TaskState } from '../town/model.js';
import type { AgentStatus, PendingTask, SendRequest, SpawnRequest, TaskPage } from '../town/town.js';
import { clusterView, type ClusterNodeView } from '../cluster/nodes.js';

export type { SendRequest as SendMessageRequest, SpawnRequest } from '../town/town.js';
export type { ReclaimRequest, ReclaimResult as Reclaimed } from '../town/recovery.js';
import type { Explanation } from '../town/explain.js';
import type { Orphan, OrphanAction, ReclaimRequest, ReclaimResult, RecoveredAgent } from '../town/recovery.js';
import { checkTaskId } from '../town/refs.js';

/** Tinytown's agent fields for `/v1/agents` (no counters; wire/tinytown.md §3). */
export interface AgentBrief {
  readonly id: string;
  readonly name: string;
  readonly nickname: string | null;
  readonly role_id: string | null;
  readonly parent_agent_id: string | null;
  readonly spawn_mode: Agent['spawn_mode'];
  readonly cli: string;
  readonly state: Agent['state'];
  readonly current_scope: null;
  /** taho's, in a cluster: the node that runs the agent's rounds. */
  readonly node?: string;
}

/** Tinytown's AgentStatus fields, then taho's own (what a dashboard needs to say why). */
export interface AgentStatusView extends AgentBrief {
  readonly rounds_completed: number;
  readonly tasks_completed: number;
  readonly inbox_len: number;
  readonly urgent_len: number;
  readonly current_task: string | null;
  readonly last_heartbeat: string;
  readonly last_active_at: string;
  readonly created_at: string;
  readonly max_rounds: number | null;
  readonly pid: number | null;
  readonly last_exit_code: number | null;
}

export interface TownInfo {
  readonly name: string;
  readonly root: string;
  /** Tinytown's store address; taho's store (a SQLite file or a Redis URL, redacted). */
  readonly redis_url: string;
}

export interface TownStatus extends TownInfo {
  readonly agent_count: number;
  readonly agents: readonly AgentStatusView[];
  /** taho's addition in a cluster: every node, live or recently dead, and the shards it holds. */
  readonly nodes?: readonly ClusterNodeView[];
}

export interface Spawned {
  readonly agent_id: string;
  readonly name: string;
  readonly cli: string;
  readonly role_id: string | null;
  readonly nickname: string | null;
  readonly parent_agent_id: string | null;
}

export interface Assigned {
  readonly task_id: string;
  readonly agent_id: string;
  readonly agent_name: string;
}

export interface Inbox {
  readonly agent: string;
  readonly total: number;
  readonly urgent: number;
  readonly messages: InboxItem[];
}

export interface Recovered {
  readonly checked: number;
  readonly recovered: number;
  /** Tinytown's: the names of the agents marked. */
  readonly agents: string[];
  /** taho's: each one, what it was and why. */
  readonly details: readonly RecoveredAgent[];
  /** taho's: nothing was changed (`dry_run` asked); `agents` are the ones a real run would mark. */
  readonly dry_run?: true;
}

export interface OrphanReport {
  readonly action: OrphanAction;
  readonly count: number;
  readonly orphans: Orphan[];
}

/** As asked (the state still unchecked); a page at a time in creation order. */
export interface TaskFilter {
  readonly state?: string | undefined;
  /** An agent's name or id. */
  readonly agent?: string | undefined;
  /** The previous page's `next`. */
  readonly after?: number | undefined;
  readonly limit?: number | undefined;
}

function brief(a: Agent): AgentBrief {
  return {
    id: a.id, name: a.name, nickname: a.nickname, role_id: a.role_id, parent_agent_id: a.parent_agent_id, spawn_mode: a.spawn_mode, cli: a.cli, state: a.state, current_scope: null,
    ...(a.node ? { node: a.node } : {}),
  };
}

function statusView(a: AgentStatus): AgentStatusView {
  return {
    ...brief(a), rounds_completed: a.rounds_completed, tasks_completed: a.tasks_completed, inbox_len: a.inbox_len, urgent_len: a.urgent_len,
    current_task: a.current_task, last_heartbeat: a.last_heartbeat, last_active_at: a.last_active_at, created_at: a.created_at,
    max_rounds: a.max_rounds, pid: a.pid, last_exit_code: a.last_exit_code,
  };
}

export function townInfo(runtime: Runtime): TownInfo {
  // Tinytown's redis_url is the (redacted) store address: a Redis URL, or the SQLite file.
  const location = runtime.stores().location;
  return { name: runtime.config.town.name, root: runtime.config.data_dir, redis_url: /^rediss?:\/\//.test(location) ? location : `sqlite://${location}` };
}

export async function townStatus(runtime: Runtime): Promise<TownStatus> {
  const agents = (await runtime.town().status()).map(statusView);
  const member = runtime.cluster();
  const nodes = member ? await clusterView(member) : undefined;
  return { ...townInfo(runtime), agent_count: agents.length, agents, ...(nodes ? { nodes } : {}) };
}

export async function listAgents(runtime: Runtime): Promise<AgentBrief[]> {
  return (await runtime.town().agents()).map(brief);
}

export async function spawnAgent(runtime: Runtime, request: SpawnRequest): Promise<Spawned> {
  const a = await runtime.town().spawn(request);
  return { agent_id: a.id, name: a.name, cli: a.cli, role_id: a.role_id, nickname: a.nickname, parent_agent_id: a.parent_agent_id };
}

export async function killAgent(runtime: Runtime, agent: string): Promise<{ status: 'stopped'; agent: string }> {
  await runtime.town().kill(agent);
  return { status: 'stopped', agent };
}

export async function restartAgent(runtime: Runtime, agent: string): Promise<{ status: 'restarted'; agent: string }> {
  await runtime.town().restart(agent);
  return { status: 'restarted', agent };
}

export function pruneAgents(runtime: Runtime, all?: boolean): Promise<{ removed: number; agents: string[] }> {
  return runtime.town().prune({ all });
}

export async function assignTask(runtime: Runtime, agent: string, task: string, urgent?: boolean): Promise<Assigned> {
  const r = await runtime.town().assign(agent, task, { urgent });
  return { task_id: r.task_id, agent_id: r.agent_id, agent_name: r.agent_name };
}

export async function sendMessage(runtime: Runtime, request: SendRequest): Promise<{ message_id: string; to_agent: string; urgent: boolean }> {
  const r = await runtime.town().send(request);
  return { message_id: r.message_id, to_agent: r.to_agent, urgent: r.urgent };
}

/** Peeked, the first 100; `agent` is the reference as asked (a name or an id). */
export async function inbox(runtime: Runtime, agent: string): Promise<Inbox> {
  return { ...(await runtime.town().inbox(agent)), agent };
}

export function backlog(runtime: Runtime): Promise<BacklogEntry[]> {
  return runtime.town().backlog();
}

export function backlogAdd(runtime: Runtime, description: string, tags: readonly string[] = []): Promise<{ task_id: string; description: string }> {
  return runtime.town().backlogAdd(description, tags);
}

export function backlogClaim(runtime: Runtime, taskId: string, agent: string): Promise<Assigned> {
  checkTaskId(taskId); // a UUID or its first characters; the town resolves short ids
  return runtime.town().claim(taskId, agent);
}

export function backlogAssignAll(runtime: Runtime, agent: string): Promise<{ assigned: number; tasks: string[] }> {
  return runtime.town().assignAll(agent);
}

export function backlogRemove(runtime: Runtime, taskId: string): Promise<{ removed: true; task_id: string }> {
  checkTaskId(taskId);
  return runtime.town().backlogRemove(taskId);
}

export function tasks(runtime: Runtime, filter: TaskFilter = {}): Promise<TaskPage> {
  const { state } = filter;
  if (state !== undefined && !isTaskState(state)) {
    throw new TahoError('TAHO_BAD_REQUEST', `unknown task state ${state}`, { hint: `Use one of ${TASK_STATES.join(', ')}.` });
  }
  return runtime.town().tasks({ state, agent: filter.agent, after: filter.after, limit: filter.limit });
}

function isTaskState(s: string): s is TaskState {
  return (TASK_STATES as readonly string[]).includes(s);
}

export function task(runtime: Runtime, id: string): Promise<Task> {
  return runtime.town().task(id);
}

export function completeTask(runtime: Runtime, id: string, result = ''): Promise<Task> {
  return runtime.town().completeTask(id, result);
}

export function pendingTasks(runtime: Runtime): Promise<PendingTask[]> {
  return runtime.town().pendingTasks();
}

/** `dryRun` (taho's): what a real run would mark, nothing changed. */
export async function recover(runtime: Runtime, options: { dryRun?: boolean | undefined } = {}): Promise<Recovered> {
  const r = await runtime.town().recover({ dryRun: options.dryRun });
  return { checked: r.checked, recovered: r.recovered, agents: r.agents.map((a) => a.name), details: r.agents, ...(r.dry_run ? { dry_run: true as const } : {}) };
}

/** Without `to` or `toBacklog` it only lists what dead agents hold. */
export function reclaim(runtime: Runtime, request: ReclaimRequest): Promise<ReclaimResult> {
  return runtime.town().reclaim(request);
}

/**
 * Tinytown's body is optional here (`Option<Json>`): absent or `{}` lists; `{action}` with
 * list, to_backlog, cancel or delete acts.
 */
export function orphans(runtime: Runtime, body: unknown): Promise<OrphanReport> {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    throw new TahoError('TAHO_BAD_REQUEST', 'the body must be an object {"action": …} or absent', { hint: 'Send {"action":"list"|"to_backlog"|"cancel"|"delete"}, or nothing to list.' });
  }
  const action = typeof body === 'object' && body !== null && 'action' in body ? body.action : undefined;
  if (action !== undefined && typeof action !== 'string') throw new TahoError('TAHO_BAD_REQUEST', 'action must be a string', { hint: 'Use list, to_backlog, cancel or delete.' });
  return runtime.town().orphans(action);
}

export function explain(runtime: Runtime, id: string): Promise<Explanation> {
  return runtime.town().explain(id);
}

/** A round's log (default: the agent's last round); an agent that has run none is a clear error. */
export async function roundLog(runtime: Runtime, agent: string, round?: number): Promise<string> {
  const path = await runtime.town().roundLog(agent, round);
  if (!path) throw new TahoError('TAHO_BAD_REQUEST', `agent ${agent} has run no round${round ? ` ${round}` : ''} yet`, { hint: 'Assign it a task; each task is one round.' });
  return readFile(path, 'utf8').catch(() => '');
}
