import type { DispatcherState } from './dispatcher.js';
import type { Agent, Round, Task } from './model.js';
import { isDeadAgent, isTerminalTask } from './model.js';
import { processAlive } from '../../shared/process.js';
import type { TownStore } from '../store/ports/index.js';

export interface Reason {
  readonly code:
    | 'finished'
    | 'in_backlog'
    | 'no_idle_agent'
    | 'no_idle_agent_with_role'
    | 'queued_behind'
    | 'agent_busy'
    | 'agent_paused'
    | 'agent_draining'
    | 'agent_dead'
    | 'agent_missing'
    | 'process_gone'
    | 'dispatcher_stalled'
    | 'next_dispatch'
    | 'running';
  readonly message: string;
}

export interface TaskExplanation {
  readonly kind: 'task';
  readonly task: Task;
  readonly location: 'backlog' | 'inbox' | 'agent' | 'finished' | 'nowhere';
  readonly agent: { readonly id: string; readonly name: string; readonly state: Agent['state'] } | null;
  /** 1-based place among the work in the agent's inbox (urgent lane first). */
  readonly inbox_position: number | null;
  readonly round: Round | null;
  readonly waiting_for: readonly Reason[];
}

export interface AgentExplanation {
  readonly kind: 'agent';
  readonly agent: Agent;
  readonly inbox: { readonly total: number; readonly urgent: number; readonly work: number };
  readonly last_heartbeat: string;
  readonly heartbeat_age_ms: number;
  readonly process: { readonly pid: number; readonly alive: boolean } | null;
  readonly current_task: Task | null;
  readonly last_round: Round | null;
  readonly waiting_for: readonly Reason[];
}

export type Explanation = TaskExplanation | AgentExplanation;

export interface ExplainEnv {
  readonly store: TownStore;
  readonly now: number;
  readonly dispatcher: DispatcherState;
}

/** Why an agent with work is not taking it, or nothing when it is. */
function agentBlockers(env: ExplainEnv, agent: Agent): Reason[] {
  switch (agent.state) {
    case 'Paused':
      return [{ code: 'agent_paused', message: `agent '${agent.name}' is paused; resume it` }];
    case 'Draining':
      return [{ code: 'agent_draining', message: `agent '${agent.name}' is draining and takes no new work` }];
    case 'Stopped':
    case 'Error':
      return [{ code: 'agent_dead', message: `agent '${agent.name}' is ${agent.state}; reclaim its tasks or restart it` }];
    case 'Working':
      return [{ code: 'agent_busy', message: `agent '${agent.name}' is running task ${agent.current_task ?? '?'}` }];
    default:
      return env.dispatcher === 'stalled'
        ? [{ code: 'dispatcher_stalled', message: 'the dispatcher is not running (or not keeping up); start the server or the dispatcher' }]
        : [{ code: 'next_dispatch', message: `agent '${agent.name}' is idle; the dispatcher starts it next` }];
  }
}

export async function explainTask(env: ExplainEnv, task: Task): Promise<TaskExplanation> {
  const { store } = env;
  const agent = task.assigned_to === null ? undefined : await store.agent(task.assigned_to);
  const brief = agent === undefined ? null : { id: agent.id, name: agent.name, state: agent.state };
  const base = { kind: 'task' as const, task, agent: brief, inbox_position: null, round: null };
  if (isTerminalTask(task.state)) {
    return { ...base, location: 'finished', round: await roundOf(store, task), waiting_for: [{ code: 'finished', message: `the task is ${task.state}` }] };
  }
  if (await store.inBacklog(task.id)) {
    const roles = new Set(task.tags);
    const agents = await store.agents();
    const withRole = agents.filter((a) => a.role_id !== null && roles.has(a.role_id));
    const pool = withRole.length > 0 ? withRole : agents;
    const idle = pool.filter((a) => a.state === 'Idle').map((a) => a.name);
    const reasons: Reason[] = [{ code: 'in_backlog', message: 'waiting in the backlog for an agent to claim it' }];
    if (idle.length === 0) {
      reasons.push(withRole.length > 0
        ? { code: 'no_idle_agent_with_role', message: `no idle agent with role ${[...roles].filter((r) => withRole.some((a) => a.role_id === r)).join(', ')}` }
        : { code: 'no_idle_agent', message: 'no agent is idle' });
    } else reasons.push({ code: 'next_dispatch', message: `idle agents that could claim it: ${idle.join(', ')}` });
    return { ...base, location: 'backlog', waiting_for: reasons };
  }
  if (task.assigned_to !== null && agent === undefined) {
    return { ...base, location: 'nowhere', waiting_for: [{ code: 'agent_missing', message: `its agent ${task.assigned_to} no longer exists; requeue the orphan tasks` }] };
  }
  if (agent === undefined) return { ...base, location: 'nowhere', waiting_for: [] };
  if (task.state === 'running') {
    const round = await roundOf(store, task);
    const reasons: Reason[] = isDeadAgent(agent.state)
      ? agentBlockers(env, agent)
      : agent.pid !== null && !processAlive(agent.pid)
        ? [{ code: 'process_gone', message: `the round's process ${agent.pid} is gone; run recover, then reclaim` }]
        : [{ code: 'running', message: `running on '${agent.name}' (round ${round?.n ?? '?'}, log ${round?.log ?? '?'})` }];
    return { ...base, location: 'agent', round, waiting_for: reasons };
  }
  const work = (await store.inbox(agent.id, 100_000)).filter((r) => r.message.task_id !== null);
  const pos = work.findIndex((r) => r.message.task_id === task.id);
  const reasons: Reason[] = [];
  if (pos > 0) reasons.push({ code: 'queued_behind', message: `${pos} task(s) ahead of it in '${agent.name}''s inbox` });
  reasons.push(...agentBlockers(env, agent));
  return { ...base, location: 'inbox', inbox_position: pos < 0 ? null : pos + 1, waiting_for: reasons };
}

export async function explainAgent(env: ExplainEnv, agent: Agent): Promise<AgentExplanation> {
  const { store } = env;
  const inbox = await store.inboxCounts(agent.id);
  const current = agent.current_task === null ? null : ((await store.task(agent.current_task)) ?? null);
  const waiting: Reason[] = inbox.work > 0 || isDeadAgent(agent.state) || agent.state !== 'Idle' ? agentBlockers(env, agent) : [];
  if (agent.pid !== null && !processAlive(agent.pid)) waiting.unshift({ code: 'process_gone', message: `its round's process ${agent.pid} is gone; run recover` });
  return {
    kind: 'agent',
    agent,
    inbox,
    last_heartbeat: agent.last_heartbeat,
    heartbeat_age_ms: env.now - Date.parse(agent.last_heartbeat),
    process: agent.pid === null ? null : { pid: agent.pid, alive: processAlive(agent.pid) },
    current_task: current,
    last_round: (await store.lastRound(agent.id)) ?? null,
    waiting_for: waiting,
  };
}

async function roundOf(store: TownStore, task: Task): Promise<Round | null> {
  if (task.assigned_to === null) return null;
  const r = await store.lastRound(task.assigned_to);
  return r !== undefined && r.task_id === task.id ? r : null;
}
