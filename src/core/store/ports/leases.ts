/**
 * Leases: who may run a data directory's jobs or its town's dispatcher. A lease is held by one
 * holder until it expires or is released; each acquisition of an expired or free lease gets a
 * fencing token greater than every token given before for that name. A write that carries a
 * fence is refused (TAHO_LEASE_LOST) unless its token is still the lease's current one — checked
 * inside the same atomic write (one SQLite transaction, one Redis Lua script), so a holder that
 * was paused past its expiry and lost the lease cannot overwrite its successor's work.
 */

/** `shard:<n>`: a durable-agent shard of a cluster (ports/cluster.ts). */
export type LeaseName = 'jobs' | 'town' | `shard:${number}`;

export interface LeaseHolder {
  /** Unique per holder process, e.g. `<hostname>:<pid>:<uuid>`. */
  readonly id: string;
  /**
   * The holder's pid and host: an adapter on one host may treat a lease whose holder's pid is dead
   * on this host as expired, so a restarted server takes over at once instead of waiting a TTL.
   */
  readonly pid?: number | undefined;
  readonly host?: string | undefined;
}

export interface Lease {
  readonly name: LeaseName;
  readonly holder: string;
  readonly token: number;
  /** ms since the epoch (store clock for Redis, local clock for SQLite). */
  readonly expiresAt: number;
}

/** What a fenced write carries; see the module comment. */
export interface Fence {
  readonly lease: LeaseName;
  readonly token: number;
}

export interface Leases {
  /**
   * Takes the lease if it is free, expired, or already this holder's (then renewed, same token).
   * Resolves undefined when another live holder has it. A takeover's token is the previous + 1.
   */
  acquire(name: LeaseName, holder: LeaseHolder, ttlMs: number): Promise<Lease | undefined>;
  /** Extends a held lease; TAHO_LEASE_LOST when `lease.token` is no longer current. */
  renew(lease: Lease, ttlMs: number): Promise<Lease>;
  /** Gives it up (a no-op when it was lost meanwhile); the next acquire gets a higher token. */
  release(lease: Lease): Promise<void>;
  /** The current holder, when unexpired. */
  current(name: LeaseName): Promise<Lease | undefined>;
}
