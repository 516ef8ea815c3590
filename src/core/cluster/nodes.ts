import type { NodeSnapshot } from '../jobs/compute.js';
import type { ClusterMember } from './member.js';

/**
 * Every node of the cluster as a compute node (Bacalhau's nodes list): this one with its live
 * counts, the others from their registration (slots, labels, address), a dead one DISCONNECTED
 * until it is forgotten.
 */
export async function clusterNodes(member: ClusterMember, self: NodeSnapshot): Promise<NodeSnapshot[]> {
  await member.refresh();
  return member.nodes().filter((n) => n.url !== '').map((n): NodeSnapshot => {
    if (n.id === member.id) return { ...self, id: n.id, address: new URL(n.url).hostname, connected: n.alive, lastSeen: n.lastSeen };
    const slots = n.capacity.slots || 1;
    const res = n.capacity.resources ?? { CPU: slots, Memory: 0, Disk: 0, GPU: 0 };
    return {
      id: n.id, labels: n.labels, engines: self.engines, max: res, available: res, slots, running: n.running ?? 0,
      connected: n.alive, address: new URL(n.url).hostname, lastSeen: n.lastSeen,
    };
  });
}

export interface ClusterNodeView {
  readonly id: string;
  readonly url: string;
  readonly alive: boolean;
  readonly last_seen: string;
  readonly shards: number;
  readonly version: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The nodes as `/v1/status` and `taho nodes list` show them: who is alive and how many shards each holds. */
export async function clusterView(member: ClusterMember): Promise<ClusterNodeView[]> {
  await member.refresh();
  const shards = new Map<string, number>();
  for (const o of member.owners().values()) shards.set(o.node, (shards.get(o.node) ?? 0) + 1);
  return member.nodes().filter((n) => n.url !== '').map((n) => ({
    id: n.id, url: n.url, alive: n.alive, last_seen: new Date(n.lastSeen).toISOString(), shards: shards.get(n.id) ?? 0, version: n.version, labels: n.labels,
  }));
}
