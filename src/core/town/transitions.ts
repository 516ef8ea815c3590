/**
 * The town's state machine, as pure functions: each takes the current object and the time and
 * returns the next object, or a TahoError saying why the move is not allowed. No I/O here, so the
 * rules can be tested and replayed without a store; the store only persists what these return.
 */
import { TahoError } from '../errors.js';
import type { Agent, AgentState, Task, TaskState } from './model.js';
import { isTerminalTask } from './model.js';

export type Outcome<T> = T | TahoError;

/** Throws the refusal; for callers that run inside a transaction and want it rolled back. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome instanceof TahoError) throw outcome;
  return outcome;
}

function refuseAgent(agent: Agent, action: string, allowed: readonly AgentState[], hint: string): TahoError {
  return new TahoError('TAHO_CONFLICT', `cannot ${action} agent '${agent.name}': it is ${agent.state} (allowed from ${allowed.join(', ')})`, {
    hint,
    details: { agent_id: agent.id, state: agent.state },
  });
}

function refuseTask(task: Task, action: string, allowed: readonly TaskState[], hint: string): TahoError {
  return new TahoError('TAHO_CONFLICT', `cannot ${action} task ${task.id}: it is ${task.state} (allowed from ${allowed.join(', ')})`, {
    hint,
    details: { task_id: task.id, state: task.state },
  });
}

// ---- agents ----

/** A new agent, ready for work: process agents have nothing to boot between rounds. */
export function newAgent(fields: Pick<Agent, 'id' | 'name' | 'nickname' | 'role_id' | 'parent_agent_id' | 'cli' | 'max_rounds' | 'node'>, now: string): Agent {
  return {
    ...fields,
    spawn_mode: 'fresh',
    state: 'Idle',
    current_task: null,
    rounds_completed: 0,
    tasks_completed: 0,
    created_at: now,
    last_heartbeat: now,
    last_active_at: now,
    pid: null,
    last_exit_code: null,
  };
}

const CAN_START: readonly AgentState[] = ['Idle'];
export function startRound(agent: Agent, task: Task, now: string): Outcome<{ agent: Agent; task: Task }> {
  if (!CAN_START.includes(agent.state)) return refuseAgent(agent, 'start a round on', CAN_START, 'Wait until the agent is Idle, or restart it.');
  if (task.state !== 'assigned' || task.assigned_to !== agent.id) {
    return refuseTask(task, `start on '${agent.name}'`, ['assigned'], `Assign the task to '${agent.name}' first.`);
  }
  return {
    agent: { ...agent, state: 'Working', current_task: task.id, pid: null, last_heartbeat: now, last_active_at: now },
    task: { ...task, state: 'running', started_at: now, updated_at: now },
  };
}

const IN_ROUND: readonly AgentState[] = ['Working', 'Paused', 'Draining'];

export function recordPid(agent: Agent, pid: number, now: string): Outcome<Agent> {
  if (!IN_ROUND.includes(agent.state)) return refuseAgent(agent, 'record a process for', IN_ROUND, 'Only a running round has a process.');
  return { ...agent, pid, last_heartbeat: now };
}

export function heartbeat(agent: Agent, now: string): Agent {
  return { ...agent, last_heartbeat: now };
}

/**
 * The round's process exited by itself. A paused agent stays paused, a draining one stops, and
 * an agent that used up `max_rounds` stops.
 */
export function finishRound(agent: Agent, exitCode: number, now: string): Outcome<Agent> {
  if (!IN_ROUND.includes(agent.state) || agent.current_task === null) {
    return refuseAgent(agent, 'finish a round of', IN_ROUND, 'There is no round running on this agent.');
  }
  const rounds = agent.rounds_completed + 1;
  const usedUp = agent.max_rounds !== null && rounds >= agent.max_rounds;
  const next: AgentState = agent.state === 'Draining' || usedUp ? 'Stopped' : agent.state === 'Paused' ? 'Paused' : 'Idle';
  return {
    ...agent,
    state: next,
    current_task: null,
    pid: null,
    rounds_completed: rounds,
    tasks_completed: agent.tasks_completed + (exitCode === 0 ? 1 : 0),
    last_exit_code: exitCode,
    last_heartbeat: now,
    last_active_at: now,
  };
}

const CAN_PAUSE: readonly AgentState[] = ['Idle', 'Working', 'Cold', 'Starting'];
/** A paused agent takes no new rounds; a round already running finishes. */
export function pause(agent: Agent, now: string): Outcome<Agent> {
  if (agent.state === 'Paused') return agent;
  if (!CAN_PAUSE.includes(agent.state)) return refuseAgent(agent, 'pause', CAN_PAUSE, 'A stopped or failed agent is already taking no work; restart it instead.');
  return { ...agent, state: 'Paused', last_active_at: now };
}

export function resume(agent: Agent, now: string): Outcome<Agent> {
  if (agent.state !== 'Paused') return refuseAgent(agent, 'resume', ['Paused'], 'Only a paused agent can be resumed.');
  return { ...agent, state: agent.current_task === null ? 'Idle' : 'Working', last_active_at: now };
}

const CAN_DRAIN: readonly AgentState[] = ['Idle', 'Working', 'Paused', 'Cold', 'Starting'];
/** Finish the running round, then stop; an agent with no round stops at once. */
export function drain(agent: Agent, now: string): Outcome<Agent> {
  if (agent.state === 'Draining') return agent;
  if (!CAN_DRAIN.includes(agent.state)) return refuseAgent(agent, 'drain', CAN_DRAIN, 'The agent is already stopped.');
  return { ...agent, state: agent.current_task === null ? 'Stopped' : 'Draining', last_active_at: now };
}

const NOT_STOPPED: readonly AgentState[] = ['Cold', 'Starting', 'Idle', 'Working', 'Paused', 'Draining', 'Error'];
/**
 * Stopped for good. The task it was running stays assigned to it (held by a dead agent), so
 * `reclaim` can move it exactly once; nothing is silently dropped.
 */
export function kill(agent: Agent, now: string): Outcome<Agent> {
  if (agent.state === 'Stopped') return refuseAgent(agent, 'kill', NOT_STOPPED, 'The agent is already stopped; prune it or restart it.');
  return { ...agent, state: 'Stopped', pid: null, last_active_at: now };
}

/** Back to Idle with no round; the caller puts `current_task` (if any) back in the agent's inbox. */
export function restart(agent: Agent, now: string): Agent {
  return { ...agent, state: 'Idle', current_task: null, pid: null, last_heartbeat: now, last_active_at: now };
}

/** recover: the round's process is gone (Error) or has not reported for too long (Stopped). */
export function markLost(agent: Agent, state: 'Error' | 'Stopped', now: string): Outcome<Agent> {
  if (agent.state === 'Stopped' || agent.state === 'Error' || agent.state === 'Cold') {
    return refuseAgent(agent, 'mark as lost', ['Starting', 'Idle', 'Working', 'Paused', 'Draining'], 'The agent is not active.');
  }
  return { ...agent, state, pid: null, last_active_at: now };
}

// ---- tasks ----

export function newTask(fields: Pick<Task, 'id' | 'description' | 'tags'> & { parent_id?: string | null }, now: string): Task {
  return {
    id: fields.id,
    description: fields.description,
    state: 'pending',
    assigned_to: null,
    created_at: now,
    updated_at: now,
    started_at: null,
    completed_at: null,
    result: null,
    parent_id: fields.parent_id ?? null,
    tags: fields.tags,
  };
}

const CAN_ASSIGN: readonly TaskState[] = ['pending', 'assigned', 'running'];
/** Into an agent's inbox: from the backlog, or moved from another (dead) agent by reclaim. */
export function assignTask(task: Task, agent: Agent, now: string): Outcome<Task> {
  if (!CAN_ASSIGN.includes(task.state)) return refuseTask(task, `assign to '${agent.name}'`, CAN_ASSIGN, 'A finished task cannot be assigned again; add a new one.');
  if (agent.state === 'Stopped' || agent.state === 'Error') {
    return refuseAgent(agent, 'assign a task to', ['Cold', 'Starting', 'Idle', 'Working', 'Paused', 'Draining'], `Restart '${agent.name}' or pick another agent.`);
  }
  return { ...task, state: 'assigned', assigned_to: agent.id, started_at: null, updated_at: now };
}

/** Back to the backlog, unassigned: reclaim, orphan requeue. */
export function requeueTask(task: Task, now: string): Outcome<Task> {
  if (isTerminalTask(task.state)) return refuseTask(task, 'requeue', ['pending', 'assigned', 'running'], 'A finished task cannot be requeued; add a new one.');
  return { ...task, state: 'pending', assigned_to: null, started_at: null, updated_at: now };
}

export function completeTask(task: Task, result: string, now: string): Outcome<Task> {
  if (isTerminalTask(task.state)) return refuseTask(task, 'complete', ['pending', 'assigned', 'running'], 'The task is already finished.');
  return { ...task, state: 'completed', result, completed_at: now, updated_at: now };
}

export function failTask(task: Task, error: string, now: string): Outcome<Task> {
  if (isTerminalTask(task.state)) return refuseTask(task, 'fail', ['pending', 'assigned', 'running'], 'The task is already finished.');
  return { ...task, state: 'failed', result: error, completed_at: now, updated_at: now };
}

export function cancelTask(task: Task, now: string): Outcome<Task> {
  if (isTerminalTask(task.state)) return refuseTask(task, 'cancel', ['pending', 'assigned', 'running'], 'The task is already finished.');
  return { ...task, state: 'cancelled', completed_at: now, updated_at: now };
}
