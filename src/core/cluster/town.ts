import type { EventLog } from '../store/ports/index.js';
import type { Placement } from '../town/placement.js';
import type { ClusterMember } from './member.js';
import { shardOf } from './shards.js';

/** `component:<component>[#<function>]` (default `run-task`): a component agent's CLI. */
export function componentCli(cli: string): { component: string; fn: string } {
  const [component = '', fn = 'run-task'] = cli.slice('component:'.length).split('#');
  return { component, fn };
}

/**
 * The town's placement on a cluster node (see town/placement.ts): `member()` is this node once it
 * joined with an address (a one-shot command is no node: it runs no rounds), `leads()` whether it
 * holds the town lease, `componentId` a component's id (throws for one it does not know).
 */
export function clusterPlacement(member: () => ClusterMember | undefined, leads: () => boolean, componentId: (ref: string) => string): Placement {
  const node = () => {
    const m = member();
    return m && m.url !== '' ? m : undefined;
  };
  return {
    node: () => node()?.id,
    leads,
    ownsComponent(cli, agentName) {
      const m = node();
      if (!m) return true;
      try {
        return m.route(shardOf(componentId(componentCli(cli).component), agentName)).kind === 'local';
      } catch {
        return false; // a component this node does not have: not its round to run
      }
    },
    // As the node's last beat read them: a node is seen dead once its registration expired in the store.
    nodes: async () => new Map((node()?.nodes() ?? []).filter((n) => n.url !== '').map((n) => [n.id, n.alive])),
  };
}

/**
 * Wakes this node's dispatcher when work may have arrived for one of its agents through another
 * node (a message sent, an agent resumed or restarted): the town's writes carry their events, and
 * every node reads the one event stream. The dispatcher's timer covers anything missed.
 */
export function followTownWork(events: EventLog, self: string, wake: () => void, signal: AbortSignal): void {
  void (async () => {
    try {
      for await (const e of events.follow({ after: await events.lastId(), kinds: ['town'], signal })) {
        const node = (e.data as { node?: unknown }).node;
        if ((node === undefined || node === self) && (e.type === 'message.sent' || e.type === 'agent.state' || e.type === 'agent.restarted')) wake();
      }
    } catch {
      // The store failed under the follow: the dispatcher's timer still finds the work.
    }
  })();
}
