import type { Agent } from './model.js';

export const COMPONENT_CLI = 'component:';

/**
 * Where the town's agents run. Outside a cluster one process (the one holding the town lease)
 * runs every round. In a cluster every node runs the rounds of its own process agents, a
 * component agent's rounds run where its durable agent lives (its shard's owner), and the node
 * holding the town lease runs the agents of no node and settles those of nodes that died.
 */
export interface Placement {
  /** This cluster node's id; undefined outside a cluster. */
  node(): string | undefined;
  /** Whether this process holds the town lease now. */
  leads(): boolean;
  /** Whether the durable agent behind a component agent lives on this node now. */
  ownsComponent(cli: string, agentName: string): boolean;
  /**
   * The registered nodes and whether each is alive (its registration unexpired). One seen dead
   * runs nothing any more; one not registered left (or died long ago).
   */
  nodes(): Promise<ReadonlyMap<string, boolean>>;
}

/** One process, no cluster: it runs everything. */
export const SOLO: Placement = {
  node: () => undefined,
  leads: () => true,
  ownsComponent: () => true,
  nodes: async () => new Map(),
};

export function isComponentAgent(agent: Pick<Agent, 'cli'>): boolean {
  return agent.cli.startsWith(COMPONENT_CLI);
}

/** Whether this process starts the rounds of `agent` now. */
export function runsHere(p: Placement, agent: Agent): boolean {
  const self = p.node();
  if (self === undefined) return true;
  if (isComponentAgent(agent)) return p.ownsComponent(agent.cli, agent.name);
  return (agent.node ?? null) === null ? p.leads() : agent.node === self;
}
