import { TahoError } from '../errors.js';
import { agentChanged, deliver, newMessage, type Emit, type TownContext } from './context.js';
import type { TownDraft } from './draft.js';
import type { Agent, AgentState, Task, TaskState } from './model.js';
import { isDeadAgent, SUPERVISOR_ID } from './model.js';
import { agentRef } from './refs.js';
import { processAlive } from '../../shared/process.js';
import { roundProcesses, stopRoundProcesses } from './round-process.js';
import { assignTask, cancelTask, markLost, requeueTask, unwrap } from './transitions.js';

export interface RecoveredAgent {
  readonly agent_id: string;
  readonly name: string;
  readonly from: AgentState;
  readonly state: 'Error' | 'Stopped';
  /** `node_gone` (a cluster): the node running it died, so its rounds ended with it. */
  readonly reason: 'process_gone' | 'heartbeat_stale' | 'node_gone';
}

export interface RecoverResult {
  readonly checked: number;
  readonly recovered: number;
  readonly agents: readonly RecoveredAgent[];
  /** taho: nothing was changed; `agents` are the ones a real run would mark. */
  readonly dry_run?: true;
}

/** What recover may know about where an agent runs (see placement.ts). */
export interface RecoverScope {
  /** A round this process runs now: alive by definition. */
  isLocal(agentId: string): boolean;
  /** Whether the agent's round processes would run on this host (its rounds are this process's to run). */
  here(agent: Agent): boolean;
  /** Whether the node running the agent died: the proof its rounds are gone. */
  lost(agent: Agent): boolean;
}

/**
 * Marks agents whose round lost its process (Error) or stopped reporting (Stopped), and in a
 * cluster the agents of nodes that died (Stopped). Idle agents have no process between rounds,
 * so only agents with a round on record are examined — except a dead node's, which will never
 * run again; rounds this process is running are alive by definition. Processes are looked for
 * only for agents that run here: another live node's are judged by their heartbeat alone (that
 * node ends a round whose agent was marked). A stale round whose process still runs is stopped
 * (and waited for) before its agent is marked: a task reclaimed after this never runs beside the
 * round that held it. `dryRun` says what would be marked and changes nothing.
 */
export async function recover(ctx: TownContext, scope: RecoverScope, staleAfterMs: number, graceMs: number, dryRun = false): Promise<RecoverResult> {
  const nowMs = Date.parse(ctx.now());
  const stale = (a: Agent) => nowMs - Date.parse(a.last_heartbeat) > staleAfterMs;
  const examined = (a: Agent) => !isDeadAgent(a.state) && !scope.isLocal(a.id) && (a.current_task !== null || scope.lost(a));
  const stopped = new Set<string>();
  const verdict = async (agent: Agent): Promise<Pick<RecoveredAgent, 'state' | 'reason'> | undefined> => {
    if (scope.lost(agent)) return { state: 'Stopped', reason: 'node_gone' };
    if (!scope.here(agent)) return stale(agent) ? { state: 'Stopped', reason: 'heartbeat_stale' } : undefined;
    const gone = !stopped.has(agent.id) && (await livePids(ctx, agent)).length === 0;
    if (gone) return { state: 'Error', reason: 'process_gone' };
    return stopped.has(agent.id) || stale(agent) ? { state: 'Stopped', reason: 'heartbeat_stale' } : undefined;
  };
  const all = await ctx.store.agents();
  const candidates = all.filter(examined);
  if (dryRun) {
    const found: RecoveredAgent[] = [];
    for (const agent of candidates) {
      const v = await verdict(agent);
      if (v) found.push({ agent_id: agent.id, name: agent.name, from: agent.state, ...v });
    }
    return { checked: all.length, recovered: found.length, agents: found, dry_run: true };
  }
  for (const agent of candidates) {
    if (agent.current_task === null || !(scope.lost(agent) || (scope.here(agent) && stale(agent)))) continue;
    const pids = await livePids(ctx, agent);
    if (pids.length === 0) continue;
    await stopRoundProcesses(pids, graceMs);
    stopped.add(agent.id);
  }
  return ctx.write(async (d, emit) => {
    const agents = await d.agents();
    const found: RecoveredAgent[] = [];
    for (const agent of agents) {
      if (!examined(agent)) continue;
      const v = await verdict(agent);
      if (!v) continue;
      const next = unwrap(markLost(agent, v.state, ctx.now()));
      d.putAgent(next);
      agentChanged(emit, agent, next, 'recovered');
      found.push({ agent_id: agent.id, name: agent.name, from: agent.state, ...v });
    }
    return { checked: agents.length, recovered: found.length, agents: found };
  });
}

/** The live processes of the agent's last round (none when it has no round on record). */
export async function livePids(ctx: TownContext, agent: Agent): Promise<number[]> {
  const round = await ctx.store.lastRound(agent.id);
  if (round === undefined) return agent.pid !== null && processAlive(agent.pid) ? [agent.pid] : [];
  return roundProcesses(agent.id, round.n, round.pid ?? agent.pid).filter((p) => p !== process.pid);
}

export interface HeldTask {
  readonly task_id: string;
  readonly description: string;
  readonly state: TaskState;
  readonly agent_id: string;
  readonly agent_name: string;
  readonly agent_state: AgentState;
}

export interface ReclaimRequest {
  /** Move to this agent (id or name). */
  readonly to?: string | undefined;
  readonly toBacklog?: boolean | undefined;
  /** Only from this dead agent (id or name). */
  readonly from?: string | undefined;
}

export interface ReclaimResult {
  readonly reclaimed: number;
  /** Tinytown's `Debug` spelling: `Backlog`, `Agent("name")` or `Listed`. */
  readonly destination: string;
  readonly tasks: readonly HeldTask[];
}

const HELD: readonly TaskState[] = ['assigned', 'running'];

export async function heldBy(d: TownDraft, dead: readonly Agent[]): Promise<HeldTask[]> {
  const held = await Promise.all(dead.map(async (a) =>
    (await d.tasks({ state: HELD, assigned_to: a.id })).map((t) => ({ task_id: t.id, description: t.description, state: t.state, agent_id: a.id, agent_name: a.name, agent_state: a.state })),
  ));
  return held.flat();
}

/**
 * Tasks held by dead agents (Stopped, Error): in their inbox or in their hands. Without a
 * destination this only lists them. With one, each task moves in the same transaction that
 * re-checks it is still held, so two reclaims racing move it once.
 */
export async function reclaim(ctx: TownContext, req: ReclaimRequest, stopLocal: (agentId: string) => Promise<boolean>, graceMs: number): Promise<ReclaimResult> {
  if (req.to !== undefined && req.toBacklog === true) {
    throw new TahoError('TAHO_BAD_ARGUMENTS', 'reclaim takes either a destination agent or to_backlog, not both', { hint: 'Pass `to` or `to_backlog`.' });
  }
  if (req.to !== undefined || req.toBacklog === true) {
    // A dead agent's round may still run (stopped from another process, or left by a server that
    // died): it is stopped before its task moves, so the task never runs twice at once.
    for (const agent of await ctx.store.agents()) {
      if (!isDeadAgent(agent.state) || agent.current_task === null) continue;
      if (!(await stopLocal(agent.id))) await stopRoundProcesses(await livePids(ctx, agent), graceMs);
    }
  }
  return ctx.write(async (d, emit) => {
    const from = req.from === undefined ? undefined : await agentRef(d, req.from);
    const dead = (from === undefined ? await d.agents() : [from]).filter((a) => isDeadAgent(a.state));
    const held = await heldBy(d, dead);
    if (req.to === undefined && req.toBacklog !== true) return { reclaimed: 0, destination: 'Listed', tasks: held };
    const target = req.to === undefined ? undefined : await agentRef(d, req.to);
    const moved: HeldTask[] = [];
    for (const h of held) if (await moveHeld(ctx, d, emit, h, target)) moved.push(h);
    return { reclaimed: moved.length, destination: target === undefined ? 'Backlog' : `Agent("${target.name}")`, tasks: moved };
  });
}

/** Moves one task out of a dead agent's hands; false when it is no longer there. */
export async function moveHeld(ctx: TownContext, d: TownDraft, emit: Emit, h: HeldTask, target: Agent | undefined): Promise<boolean> {
  const task = await d.task(h.task_id);
  if (task === undefined || !HELD.includes(task.state) || task.assigned_to !== h.agent_id) return false;
  const lane = await d.inboxOfTask(task.id);
  d.inboxRemoveTask(task.id);
  const holder = await d.agent(h.agent_id);
  if (holder !== undefined && holder.current_task === task.id) d.putAgent({ ...holder, current_task: null });
  toDestination(ctx, d, emit, task, target, lane?.urgent ?? false, 'reclaimed');
  return true;
}

function toDestination(ctx: TownContext, d: TownDraft, emit: Emit, task: Task, target: Agent | undefined, urgent: boolean, why: string): void {
  const now = ctx.now();
  if (target === undefined) {
    const next = unwrap(requeueTask(task, now));
    d.putTask(next);
    d.backlogPush(task.id);
    emit('task', 'requeued', { task_id: task.id, from_agent: task.assigned_to, why });
    emit('backlog', 'added', { task_id: task.id, description: task.description, why });
    return;
  }
  const next = unwrap(assignTask(task, target, now));
  d.putTask(next);
  emit('task', 'assigned', { task_id: task.id, agent_id: target.id, from_agent: task.assigned_to, why });
  deliver(d, emit, target, newMessage({ from: SUPERVISOR_ID, to: target.id, type: 'task_assign', body: task.description, urgent, task_id: task.id }, now));
}

export type OrphanAction = 'list' | 'to_backlog' | 'cancel' | 'delete';

export interface Orphan {
  readonly task_id: string;
  readonly assigned_to: string | null;
  readonly state: TaskState;
  readonly reason: 'agent_missing' | 'agent_terminal';
}

/** Unfinished tasks whose agent was pruned (missing) or is dead (terminal). */
export function orphans(ctx: TownContext, action: OrphanAction): Promise<{ action: OrphanAction; count: number; orphans: Orphan[] }> {
  return ctx.write(async (d, emit) => {
    const found: Orphan[] = [];
    for (const task of await d.tasks({ state: HELD })) {
      const agent = task.assigned_to === null ? undefined : await d.agent(task.assigned_to);
      if (agent !== undefined && !isDeadAgent(agent.state)) continue;
      found.push({ task_id: task.id, assigned_to: task.assigned_to, state: task.state, reason: agent === undefined ? 'agent_missing' : 'agent_terminal' });
      if (action === 'list') continue;
      d.inboxRemoveTask(task.id);
      if (agent !== undefined && agent.current_task === task.id) d.putAgent({ ...agent, current_task: null });
      if (action === 'to_backlog') toDestination(ctx, d, emit, task, undefined, false, 'orphan');
      else if (action === 'cancel') {
        d.putTask(unwrap(cancelTask(task, ctx.now())));
        emit('task', 'cancelled', { task_id: task.id, why: 'orphan' });
      } else {
        d.deleteTask(task.id);
        emit('task', 'deleted', { task_id: task.id, why: 'orphan' });
      }
    }
    return { action, count: found.length, orphans: found };
  });
}

/** The `action` strings POST /v1/reclaim/orphan-tasks accepts, with Tinytown's aliases. */
export function orphanAction(raw: string | undefined): OrphanAction {
  switch (raw ?? '') {
    case '':
    case 'list':
      return 'list';
    case 'to_backlog':
    case 'backlog':
      return 'to_backlog';
    case 'cancel':
      return 'cancel';
    case 'delete':
      return 'delete';
    default:
      throw new TahoError('TAHO_BAD_REQUEST', `unknown action '${raw ?? ''}': expected one of list|to_backlog|cancel|delete`, { hint: 'Use list, to_backlog, cancel or delete.' });
  }
}
