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
  readonly reason: 'process_gone' | 'heartbeat_stale';
}

export interface RecoverResult {
  readonly checked: number;
  readonly recovered: number;
  readonly agents: readonly RecoveredAgent[];
}

/**
 * Marks agents whose round lost its process (Error) or stopped reporting (Stopped). Idle agents
 * have no process between rounds, so only agents with a round on record are examined; rounds
 * this process is running are alive by definition. A stale round whose process still runs is
 * stopped (and waited for) before its agent is marked: a task reclaimed after this never runs
 * beside the round that held it.
 */
export async function recover(ctx: TownContext, isLocal: (agentId: string) => boolean, staleAfterMs: number, graceMs: number): Promise<RecoverResult> {
  const candidates = (await ctx.store.agents()).filter((a) => a.current_task !== null && !isDeadAgent(a.state) && !isLocal(a.id));
  const stopped = new Set<string>();
  const nowMs = Date.parse(ctx.now());
  for (const agent of candidates) {
    if (nowMs - Date.parse(agent.last_heartbeat) <= staleAfterMs) continue;
    const pids = await livePids(ctx, agent);
    if (pids.length === 0) continue;
    await stopRoundProcesses(pids, graceMs);
    stopped.add(agent.id);
  }
  return ctx.write(async (d, emit) => {
    const agents = await d.agents();
    const found: RecoveredAgent[] = [];
    for (const agent of agents) {
      if (agent.current_task === null || isDeadAgent(agent.state) || isLocal(agent.id)) continue;
      const gone = !stopped.has(agent.id) && (await livePids(ctx, agent)).length === 0;
      const stale = stopped.has(agent.id) || nowMs - Date.parse(agent.last_heartbeat) > staleAfterMs;
      if (!gone && !stale) continue;
      const state = gone ? 'Error' : 'Stopped';
      const next = unwrap(markLost(agent, state, ctx.now()));
      d.putAgent(next);
      agentChanged(emit, agent, next, 'recovered');
      found.push({ agent_id: agent.id, name: agent.name, from: agent.state, state, reason: gone ? 'process_gone' : 'heartbeat_stale' });
    }
    return { checked: agents.length, recovered: found.length, agents: found };
  });
}

/** The live processes of the agent's last round (none when it has no round on record). */
async function livePids(ctx: TownContext, agent: Agent): Promise<number[]> {
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

async function heldBy(d: TownDraft, dead: readonly Agent[]): Promise<HeldTask[]> {
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
async function moveHeld(ctx: TownContext, d: TownDraft, emit: Emit, h: HeldTask, target: Agent | undefined): Promise<boolean> {
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
