/**
 * Cluster membership and shard ownership: what several `taho serve` nodes sharing one store need
 * to agree on who runs which durable agents. Only a distributed adapter (Redis) has it; on the
 * embedded store a process is the whole cluster.
 *
 * Invariants the callers rely on:
 * - Agents map to CLUSTER_SHARDS shards (see src/core/cluster/shards.ts). A shard is a lease named
 *   `shard:<n>`: at most one live holder, and every claim of a free or expired shard gets a
 *   fencing token greater than any given before for it. An agent write carries its shard's fence
 *   and is refused (TAHO_LEASE_LOST) inside the same atomic write when the token is no longer
 *   current, so a node paused past its lease cannot write over its successor.
 * - A node's registration and every shard it holds are renewed by one atomic `heartbeat`, so they
 *   expire together: a node that stops beating loses its shards exactly when it is seen dead.
 * - Expiry is measured by the store's clock; the nodes' clocks do not matter.
 */

/** Fixed for the life of a store: agents' shards never change, only their owners. */
export const CLUSTER_SHARDS = 64;

export interface NodeInfo {
  /** Stable across restarts (kept in the node's data directory). */
  readonly id: string;
  /** Where the other nodes reach this one (`http://host:port`). */
  readonly url: string;
  readonly labels: Readonly<Record<string, string>>;
  /** What the node offers: durable agents it keeps in memory, job slots, its machine's resources. */
  readonly capacity: {
    readonly agents: number;
    readonly slots: number;
    readonly resources?: { readonly CPU: number; readonly Memory: number; readonly Disk: number; readonly GPU: number } | undefined;
  };
  readonly version: string;
  /** ISO time the node started. */
  readonly startedAt: string;
  /** Job executions running on the node at its last heartbeat. */
  readonly running?: number | undefined;
}

export interface NodeView extends NodeInfo {
  /** ms since the epoch (store clock) of the last heartbeat. */
  readonly lastSeen: number;
  /** Whether its heartbeat is still unexpired. */
  readonly alive: boolean;
}

/** A shard this node holds: its fence and (store clock) expiry. */
export interface ShardLease {
  readonly shard: number;
  readonly token: number;
  readonly expiresAt: number;
}

export interface ShardOwner {
  readonly node: string;
  readonly token: number;
}

export interface HeartbeatResult {
  /** Held shards still this node's, renewed. */
  readonly renewed: readonly ShardLease[];
  /** Held shards that expired or were taken over: the node must stop serving them. */
  readonly lost: readonly number[];
}

export interface ClusterStore {
  /**
   * Registers or refreshes `node` for `ttlMs` and renews every shard in `held` (by token) in the
   * same atomic write. Dead nodes long past their expiry are forgotten here.
   */
  heartbeat(node: NodeInfo, held: readonly { shard: number; token: number }[], ttlMs: number): Promise<HeartbeatResult>;
  /** Claims each shard in `shards` that has no live holder; answers the ones it got (a new token each). */
  claim(nodeId: string, shards: readonly number[], ttlMs: number): Promise<ShardLease[]>;
  /** Gives shards up (a no-op for those lost meanwhile): the next claim of each gets a higher token. */
  release(nodeId: string, held: readonly { shard: number; token: number }[]): Promise<void>;
  /** Removes the node from the registry (a graceful leave, after releasing its shards). */
  leave(nodeId: string): Promise<void>;
  /** Every registered node, live or recently dead. */
  nodes(): Promise<NodeView[]>;
  /** The live owner of every owned shard. */
  owners(): Promise<Map<number, ShardOwner>>;
  /**
   * Shares an uploaded component with every node: its bytes by content hash, and its name. A name
   * keeps its first bytes: answers the hash now stored under it (another one: a conflict).
   */
  putComponent(name: string, sha256: string, bytes: Uint8Array): Promise<string>;
  /** Every shared component's name and content hash. */
  components(): Promise<{ name: string; sha256: string }[]>;
  componentBytes(sha256: string): Promise<Uint8Array | undefined>;
}
