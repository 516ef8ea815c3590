/**
 * The storage ports of taho: what the domain (agents, jobs, town, events) needs from a store, at
 * the level of its operations. Every method returns a promise; no caller ever gets a transaction
 * callback. The embedded adapter is SQLite (src/core/store/sqlite/), a distributed one implements
 * the same ports, and both must pass the same conformance suite (test/store/conformance.ts).
 * Nothing here names a storage technology: a write is a value (a list of changes with their
 * preconditions, fence and events) that one SQL transaction or one Redis Lua script can apply.
 */
import type { AgentStore } from './agents.js';
import type { ClusterStore } from './cluster.js';
import type { EventLog } from './events.js';
import type { JobStore } from './jobs.js';
import type { Leases } from './leases.js';
import type { ExecutionQueues } from './queues.js';
import type { TownStore } from './town.js';

export type * from './agents.js';
export type * from './cluster.js';
export { CLUSTER_SHARDS } from './cluster.js';
export type * from './events.js';
export type * from './jobs.js';
export type * from './leases.js';
export type * from './queues.js';
export type * from './town.js';
export { EVENT_KINDS, matchesFilter } from './events.js';

/** Whether the store can take writes now, and if not, why and what to do (GET /ready). */
export interface StoreHealth {
  readonly ok: boolean;
  /** `sqlite`, `redis`, … */
  readonly kind: string;
  /** A path or a URL without credentials. */
  readonly location: string;
  /** How long a trivial read took (ms). */
  readonly readMs: number;
  readonly reason?: string | undefined;
  readonly hint?: string | undefined;
}

/** Every port of one store, opened by the factory (src/core/store/open.ts) from `[store] url`. */
export interface Stores {
  readonly agents: AgentStore;
  readonly jobs: JobStore;
  readonly town: TownStore;
  readonly events: EventLog;
  readonly leases: Leases;
  /** Membership and shard ownership of a cluster; absent on a store that only one process serves. */
  readonly cluster?: ClusterStore | undefined;
  /** A cluster's execution queues (jobs placed on every node); absent with `cluster`. */
  readonly queues?: ExecutionQueues | undefined;
  readonly kind: string;
  readonly location: string;
  health(): Promise<StoreHealth>;
  /** Bytes the store holds: the file with its WAL (SQLite), the server's dataset memory (Redis). */
  usage(): Promise<number>;
  /**
   * Checks, before a server starts, that the store gives `[store] durability`: throws when it
   * cannot, answers warnings for what the operator should know. Absent: nothing to check.
   */
  verify?(): Promise<string[]>;
  /** Commits what is pending, then closes. */
  close(): Promise<void>;
}

/**
 * Faults every adapter reports as TahoErrors with these codes (and a hint naming the file or URL
 * and what to do), never as internal errors: TAHO_STORE_READ_ONLY, TAHO_STORE_FULL,
 * TAHO_STORE_CORRUPT, TAHO_STORE_UNREACHABLE; TAHO_LEASE_LOST for a stale fence; TAHO_CONFLICT for
 * a refused job transition.
 */
export type StoreFaultCode = 'TAHO_STORE_READ_ONLY' | 'TAHO_STORE_FULL' | 'TAHO_STORE_CORRUPT' | 'TAHO_STORE_UNREACHABLE' | 'TAHO_LEASE_LOST';
