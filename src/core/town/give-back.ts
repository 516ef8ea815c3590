import { agentChanged, deliver, newMessage, type Emit } from './context.js';
import type { TownDraft } from './draft.js';
import type { Agent } from './model.js';
import { isDeadAgent, isTerminalTask } from './model.js';
import { assignTask, requeueTask, restart, unwrap } from './transitions.js';

/** Why an agent's round ended without an outcome: `restart` is the user's; the others are a stop of the server. */
export type GiveBackWhy = 'restart' | 'shutdown' | 'interrupted';

/**
 * Agent back to Idle (a draining one to Stopped after a stop of the server); the task its round
 * held goes first in its inbox to run again, or to the backlog when the agent is done for.
 */
export async function giveBack(d: TownDraft, emit: Emit, agent: Agent | undefined, why: GiveBackWhy, now: string): Promise<Agent | undefined> {
  if (agent === undefined) return undefined;
  const held = agent.current_task === null ? undefined : await d.task(agent.current_task);
  const next = why === 'restart' ? restart(agent, now) : afterStop(agent);
  d.putAgent(next);
  agentChanged(emit, agent, next, why === 'restart' ? 'restarted' : 'state');
  if (held === undefined || isTerminalTask(held.state) || held.assigned_to !== agent.id) return next;
  if (isDeadAgent(next.state)) {
    d.putTask(unwrap(requeueTask(held, now)));
    d.backlogPush(held.id);
    emit('backlog', 'added', { task_id: held.id, description: held.description, why });
  } else {
    const task = unwrap(assignTask(held, next, now));
    d.putTask(task);
    emit('task', 'requeued', { task_id: task.id, agent_id: agent.id, why });
    deliver(d, emit, next, newMessage({ from: agent.id, to: agent.id, type: 'task_assign', body: task.description, urgent: true, task_id: task.id }, now), true);
  }
  return next;
}

/** After a stop of the server ended its round: a draining agent is done, a working one is idle again. */
export function afterStop(agent: Agent): Agent {
  const state = agent.state === 'Working' ? 'Idle' : agent.state === 'Draining' ? 'Stopped' : agent.state;
  return { ...agent, state, current_task: null, pid: null };
}
