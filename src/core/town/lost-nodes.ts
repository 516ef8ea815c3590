import { agentChanged, type TownContext } from './context.js';
import { giveBack } from './give-back.js';
import type { Agent } from './model.js';
import { isDeadAgent } from './model.js';
import { isComponentAgent } from './placement.js';
import { heldBy, livePids, moveHeld } from './recovery.js';
import { stopRoundProcesses } from './round-process.js';
import { markLost, unwrap } from './transitions.js';

/** `[town] node_lost`: what the town lease holder does with the agents of a node that died. */
export type NodeLostPolicy = 'backlog' | 'keep';

export interface LostAgent {
  readonly agent_id: string;
  readonly name: string;
  readonly node: string;
  /** `stopped`: a process agent, now Stopped; `moved`: a component agent, its round to run again on its shard's new owner. */
  readonly outcome: 'stopped' | 'moved';
  /** The tasks it held, now in the backlog (a component agent's: first in its own inbox). */
  readonly tasks: readonly string[];
}

/** Agents on a node that is `gone`, that still count as running or holding work. */
export function onLostNodes(agents: readonly Agent[], gone: (node: string) => boolean): Agent[] {
  return agents.filter((a) => {
    const node = a.node ?? null;
    if (node === null || !gone(node) || isDeadAgent(a.state)) return false;
    // A component agent only needs settling mid-round; between rounds it simply runs elsewhere next.
    return !isComponentAgent(a) || a.current_task !== null;
  });
}

/**
 * The agents of nodes that died (`gone`: their registration expired, the proof they run nothing
 * any more; a node that left gracefully gave its rounds back itself, and its agents wait for it). A process agent becomes Stopped and every task it held — its round's and its inbox's —
 * goes back to the backlog, each moved in the same write that checks it is still held, so none
 * is lost or moved twice. A component agent's round runs again on the shard's new owner (the
 * task's id is the invocation's idempotency key: a call that had finished answers again).
 * Round processes left on this host (a node killed beside this one) are stopped first.
 */
export async function settleLostNodes(ctx: TownContext, gone: (node: string) => boolean, graceMs: number): Promise<LostAgent[]> {
  const lost = onLostNodes(await ctx.store.agents(), gone);
  if (lost.length === 0) return [];
  for (const a of lost) if (a.current_task !== null) await stopRoundProcesses(await livePids(ctx, a), graceMs);
  return ctx.write(async (d, emit) => {
    const out: LostAgent[] = [];
    const now = ctx.now();
    for (const before of lost) {
      const agent = await d.agent(before.id);
      if (agent === undefined || onLostNodes([agent], gone).length === 0) continue;
      const node = agent.node ?? '';
      const round = agent.current_task === null ? undefined : await d.lastRound(agent.id);
      if (round !== undefined && round.ended_at === null) d.putRound({ ...round, ended_at: now });
      emit('agent', 'node_lost', { agent_id: agent.id, name: agent.name, node, task_id: agent.current_task });
      if (isComponentAgent(agent)) {
        await giveBack(d, emit, agent, 'interrupted', now);
        out.push({ agent_id: agent.id, name: agent.name, node, outcome: 'moved', tasks: agent.current_task === null ? [] : [agent.current_task] });
        continue;
      }
      const stopped = unwrap(markLost(agent, 'Stopped', now));
      d.putAgent(stopped);
      agentChanged(emit, agent, stopped, 'recovered');
      const tasks: string[] = [];
      for (const h of await heldBy(d, [stopped])) if (await moveHeld(ctx, d, emit, h, undefined)) tasks.push(h.task_id);
      out.push({ agent_id: agent.id, name: agent.name, node, outcome: 'stopped', tasks });
    }
    return out;
  }, { fenced: true });
}
