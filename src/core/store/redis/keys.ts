import type { LeaseName } from '../ports/leases.js';

/**
 * The Redis keys of a store. Each family lives under one hash tag, so in Redis Cluster all of a
 * family's keys (and all of one durable agent's) share a slot: `{ev}` the event log, `{jobs}`,
 * `{town}`, `{lease}`, `{agents}` the agent index, `{a:<component>/<agent>}` one agent. Names are
 * URI-encoded in agent keys so `a/b`+`c` and `a`+`b/c` never meet, and a brace in a name cannot
 * move the tag.
 */
export const EVENT_COUNTER = 'taho:{ev}:n';
export const EVENT_STREAM = 'taho:{ev}:s';
/** Every agent, scored by its creation ordinal (`…:n` counts them); `agentsOf` one component's. */
export const AGENT_INDEX = 'taho:{agents}';
export const AGENT_ORD = 'taho:{agents}:n';
export function agentsOf(componentId: string): string {
  return `taho:{agents}:c:${encodeURIComponent(componentId)}`;
}
/** Prefixes the family scripts build their keys from (all in the family's slot). */
export const JOBS = 'taho:{jobs}:';
export const TOWN = 'taho:{town}:';
export const HEALTH = 'taho:{health}';
/** Cluster members (in the leases' slot, so one script renews a node and its shards together). */
export const NODES = 'taho:{lease}:nodes';
export const NODES_SEEN = 'taho:{lease}:seen';
/** Uploaded components shared by the nodes: name → sha256, and the bytes per sha256. */
export const COMPONENTS = 'taho:{components}';
export const componentBlob = (sha256: string): string => `taho:{components}:b:${sha256}`;

/** Events kept for resuming streams (as SQLite keeps); XADD trims older ones approximately. */
export const KEEP_EVENTS = 100_000;

export function agentKeys(componentId: string, agent: string): { meta: string; log: string; keys: string; snap: string } {
  const tag = `taho:{a:${encodeURIComponent(componentId)}/${encodeURIComponent(agent)}}`;
  return { meta: `${tag}:meta`, log: `${tag}:log`, keys: `${tag}:keys`, snap: `${tag}:snap` };
}

export function leaseKeys(name: LeaseName): { holder: string; epoch: string } {
  return { holder: `taho:{lease}:${name}`, epoch: `taho:{lease}:${name}:epoch` };
}
