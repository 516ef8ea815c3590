import { agentChanged, type Emit, type TownContext } from './context.js';
import type { TownDraft } from './draft.js';
import { afterStop, giveBack } from './give-back.js';
import type { Agent } from './model.js';
import { isDeadAgent } from './model.js';
import { roundProcesses, stopRoundProcesses } from './round-process.js';
import { failTask, unwrap } from './transitions.js';

/** `[town] interrupted_rounds`: what happens to the task of a round the last server left behind. */
export type InterruptedPolicy = 'requeue' | 'fail';

export interface InterruptedRound {
  readonly agent_id: string;
  readonly name: string;
  readonly task_id: string;
  readonly round: number;
  /** `gone`: it ended with the server; `stopped`: it outlived the server and was stopped now. */
  readonly process: 'gone' | 'stopped';
  readonly outcome: 'requeued' | 'failed';
}

/**
 * At the start of the process that runs the town (it holds the town lease, so no other process
 * runs rounds): rounds on record that no process here runs were left by a server that died. Their
 * processes (found by the round's environment, so even one whose pid was never recorded) are
 * stopped and waited for, so the task never runs twice at once; then the task is requeued first
 * in its agent's inbox or failed, as `policy` says.
 */
export async function settleInterrupted(ctx: TownContext, policy: InterruptedPolicy, graceMs: number, isLocal: (agentId: string) => boolean, mine: (agent: Agent) => boolean = () => true): Promise<InterruptedRound[]> {
  // Rounds this process runs are its own (a cluster node taking the lease back while they ran).
  const held = (await ctx.store.agents()).filter((a) => a.current_task !== null && !isLocal(a.id) && mine(a));
  const stopped = new Set<string>();
  for (const agent of held) {
    const round = await ctx.store.lastRound(agent.id);
    if (round === undefined) continue;
    const pids = roundProcesses(agent.id, round.n, round.pid ?? agent.pid).filter((p) => p !== process.pid);
    if (pids.length === 0) continue;
    await stopRoundProcesses(pids, graceMs);
    stopped.add(agent.id);
  }
  return ctx.write(async (d, emit) => {
    const out: InterruptedRound[] = [];
    const now = ctx.now();
    for (const before of held) {
      const agent = await d.agent(before.id);
      // A dead agent's task waits for reclaim, as after a kill; only its process had to go.
      if (agent === undefined || agent.current_task === null || isDeadAgent(agent.state) || isLocal(agent.id) || !mine(agent)) continue;
      const taskId = agent.current_task;
      const round = await d.lastRound(agent.id);
      if (round !== undefined && round.ended_at === null) d.putRound({ ...round, ended_at: now, signal: stopped.has(agent.id) ? 'SIGTERM' : null });
      emit('agent', 'round_lost', { agent_id: agent.id, name: agent.name, task_id: taskId, why: 'interrupted' });
      const task = await d.task(taskId);
      let outcome: InterruptedRound['outcome'] = 'requeued';
      if (policy === 'fail' && task !== undefined && task.state === 'running' && task.assigned_to === agent.id) {
        const failed = unwrap(failTask(task, `the server stopped while round ${round?.n ?? '?'} ran it (${stopped.has(agent.id) ? 'its process outlived the server and was stopped' : 'its process was gone'})`, now));
        d.putTask(failed);
        emit('task', 'failed', { task_id: task.id, agent_id: agent.id, result: failed.result, why: 'interrupted' });
        settleAgent(d, emit, agent);
        outcome = 'failed';
      } else {
        await giveBack(d, emit, agent, 'interrupted', now);
      }
      out.push({ agent_id: agent.id, name: agent.name, task_id: taskId, round: round?.n ?? 0, process: stopped.has(agent.id) ? 'stopped' : 'gone', outcome });
    }
    return out;
  }, { fenced: true });
}

function settleAgent(d: TownDraft, emit: Emit, agent: Agent): void {
  const next = afterStop(agent);
  d.putAgent(next);
  agentChanged(emit, agent, next);
}
