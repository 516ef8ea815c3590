import { crc32 } from 'node:zlib';
import { CLUSTER_SHARDS } from '../store/ports/cluster.js';

/** The shard of a durable agent: fixed by its component id and name, whichever node asks. */
export function shardOf(componentId: string, agent: string): number {
  return crc32(`${componentId}/${agent}`) % CLUSTER_SHARDS;
}

/**
 * Which live node should own `shard`: rendezvous hashing (the highest score of shard and node
 * wins), so every node computes the same answer from the same member list, a joining node takes
 * about 1/n of the shards from the others, and a leaving node's shards spread over the rest.
 */
export function desiredOwner(shard: number, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const node of nodes) {
    const score = crc32(`${node}#${shard}`);
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}
