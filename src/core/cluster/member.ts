import { TahoError } from '../errors.js';
import { CLUSTER_SHARDS, type ClusterStore, type NodeInfo, type NodeView, type ShardOwner } from '../store/ports/cluster.js';
import { desiredOwner } from './shards.js';

export interface ClusterMemberOptions {
  readonly store: ClusterStore;
  readonly info: NodeInfo;
  /** What the node runs now, sent with each heartbeat (`taho nodes list` on any node shows it). */
  readonly running?: (() => number) | undefined;
  /** How long a node's registration and shards outlive its last heartbeat. */
  readonly leaseMs: number;
  /** These shards were lost (expired or taken over): drop their agents at once, write nothing more. */
  readonly onLost: (shards: ReadonlySet<number>) => Promise<void>;
  /** These shards are being handed over: finish their agents' calls and let the agents go. */
  readonly onHandover: (shards: ReadonlySet<number>) => Promise<void>;
  readonly log?: ((line: string) => void) | undefined;
}

/** Where an agent's calls run now. */
export type Route =
  | { readonly kind: 'local'; readonly token: number }
  | { readonly kind: 'remote'; readonly node: NodeView }
  | { readonly kind: 'none' };

/**
 * This node's place in a cluster: it beats (registration and held shards renewed in one write)
 * every quarter lease, claims the shards rendezvous hashing gives it among the live nodes, hands
 * over (drain, then release) the ones a joining node should have, and tells the caller which
 * shards it lost. A shard counts as held locally until 80 % of its lease has passed since the
 * renewal was sent, so this node stops serving before the store could give the shard away; the
 * fence in every agent write covers the rest (a paused process whose clock jumped).
 */
export class ClusterMember {
  readonly #o: ClusterMemberOptions;
  readonly #held = new Map<number, { token: number; until: number }>();
  readonly #leaving = new Set<number>();
  #owners = new Map<number, ShardOwner>();
  #nodes: NodeView[] = [];
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #refresh: Promise<void> | undefined;
  #stopped = false;
  #storeDown = false;

  constructor(options: ClusterMemberOptions) {
    this.#o = options;
  }

  get id(): string {
    return this.#o.info.id;
  }

  /** Where the other nodes reach this one ('' for a one-shot command). */
  get url(): string {
    return this.#o.info.url;
  }

  /** Registers, takes this node's share of the shards, and keeps beating. */
  async start(): Promise<void> {
    await this.#beat();
    this.#schedule();
  }

  /** Where calls of an agent in `shard` go now (no store access). */
  route(shard: number): Route {
    // A shard being handed over takes no new calls; those queued still finish (tokenOf).
    const token = this.#leaving.has(shard) ? undefined : this.tokenOf(shard);
    if (token !== undefined) return { kind: 'local', token };
    const owner = this.#owners.get(shard);
    if (owner && owner.node !== this.id) {
      const node = this.#nodes.find((n) => n.id === owner.node && n.alive && n.url !== '');
      if (node) return { kind: 'remote', node };
    }
    return { kind: 'none' };
  }

  /** The fencing token of a shard this node holds and may still write (one being handed over too, until released), else undefined. */
  tokenOf(shard: number): number | undefined {
    const h = this.#held.get(shard);
    if (!h || performance.now() >= h.until) return undefined;
    return h.token;
  }

  /** Re-reads owners and nodes now (one read at a time; callers share it): after a miss or a dead owner. */
  refresh(): Promise<void> {
    this.#refresh ??= (async () => {
      try {
        await this.#read();
      } catch {
        // The store is down: the next beat tells; callers keep waiting within their bound.
      } finally {
        this.#refresh = undefined;
      }
    })();
    return this.#refresh;
  }

  /** The nodes as last read (live and recently dead). */
  nodes(): readonly NodeView[] {
    return this.#nodes;
  }

  /** Shards held now (for /metrics and the nodes list). */
  heldShards(): number[] {
    return [...this.#held.keys()].filter((s) => this.route(s).kind === 'local').sort((a, b) => a - b);
  }

  /** Owner node id per owned shard, as last read. */
  owners(): ReadonlyMap<number, ShardOwner> {
    return this.#owners;
  }

  /** A graceful leave: stop beating, hand every shard over (drain, release), deregister. */
  async leave(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick?.catch(() => undefined);
    const shards = new Set(this.#held.keys());
    for (const s of shards) this.#leaving.add(s);
    try {
      await this.#o.onHandover(shards);
      await this.#o.store.release(this.id, [...this.#held].map(([shard, h]) => ({ shard, token: h.token })));
      await this.#o.store.leave(this.id);
    } finally {
      this.#held.clear();
      this.#leaving.clear();
    }
  }

  /** Stops beating without handing over (the process is going away; leases expire by themselves). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#beat().catch((err: unknown) => this.#o.log?.(`cluster: ${err instanceof Error ? err.message : String(err)}`));
      void this.#tick.finally(() => this.#schedule());
    }, Math.max(50, Math.floor(this.#o.leaseMs / 4)));
    this.#timer.unref();
  }

  async #beat(): Promise<void> {
    const { store, info, leaseMs } = this.#o;
    const sent = performance.now();
    const held = [...this.#held].map(([shard, h]) => ({ shard, token: h.token }));
    let beat;
    try {
      beat = await store.heartbeat(this.#o.running ? { ...info, running: this.#o.running() } : info, held, leaseMs);
    } catch (err) {
      if (!this.#storeDown) this.#o.log?.(`cluster: cannot renew this node's shards: ${err instanceof Error ? err.message : String(err)}`);
      this.#storeDown = true;
      await this.#dropExpired();
      return;
    }
    if (this.#storeDown) this.#o.log?.('cluster: the store answers again');
    this.#storeDown = false;
    for (const r of beat.renewed) this.#held.set(r.shard, { token: r.token, until: sent + leaseMs * 0.8 });
    if (beat.lost.length > 0) await this.#lose(beat.lost, 'taken over or expired');
    await this.#read();
    await this.#rebalance();
  }

  async #read(): Promise<void> {
    const [nodes, owners] = await Promise.all([this.#o.store.nodes(), this.#o.store.owners()]);
    this.#nodes = nodes;
    this.#owners = owners;
  }

  /** Hands over what a live node should own instead, claims what this one should and nobody holds. */
  async #rebalance(): Promise<void> {
    if (this.#stopped) return;
    // Shards go to nodes others can reach (a URL); a process without one (a one-shot CLI command)
    // holds them only while no such node is alive, and hands them over when one appears.
    const live = this.#nodes.filter((n) => n.alive && n.id !== this.id).concat([{ ...this.#o.info, lastSeen: 0, alive: true }]);
    const serving = live.filter((n) => n.url !== '');
    const alive = (serving.length > 0 ? serving : live).map((n) => n.id);
    const want: number[] = [];
    const give: number[] = [];
    for (let shard = 0; shard < CLUSTER_SHARDS; shard++) {
      const desired = desiredOwner(shard, alive);
      const owner = this.#owners.get(shard);
      if (desired === this.id && !this.#held.has(shard) && (owner === undefined || owner.node === this.id)) want.push(shard);
      if (desired !== this.id && this.#held.has(shard)) give.push(shard);
    }
    if (give.length > 0) await this.#handover(give);
    if (want.length > 0) {
      const sent = performance.now();
      const got = await this.#o.store.claim(this.id, want, this.#o.leaseMs);
      for (const g of got) {
        this.#held.set(g.shard, { token: g.token, until: sent + this.#o.leaseMs * 0.8 });
        this.#owners.set(g.shard, { node: this.id, token: g.token });
      }
    }
  }

  async #handover(shards: number[]): Promise<void> {
    for (const s of shards) this.#leaving.add(s);
    try {
      await this.#o.onHandover(new Set(shards));
      const tokens = shards.flatMap((shard) => {
        const h = this.#held.get(shard);
        return h ? [{ shard, token: h.token }] : [];
      });
      await this.#o.store.release(this.id, tokens);
      for (const s of shards) {
        this.#held.delete(s);
        this.#owners.delete(s);
      }
    } finally {
      for (const s of shards) this.#leaving.delete(s);
    }
  }

  /** Without a renewal, shards whose local validity passed are gone: their agents must go too. */
  async #dropExpired(): Promise<void> {
    const now = performance.now();
    const expired = [...this.#held].filter(([, h]) => now >= h.until).map(([s]) => s);
    if (expired.length > 0) await this.#lose(expired, 'not renewed in time');
  }

  async #lose(shards: readonly number[], why: string): Promise<void> {
    for (const s of shards) this.#held.delete(s);
    this.#o.log?.(`cluster: lost ${shards.length} shard(s) (${why})`);
    await this.#o.onLost(new Set(shards));
  }
}

/** The error a node answers for an agent whose shard it does not hold. */
export function notOwner(shard: number, owner: string | undefined): TahoError {
  return new TahoError('TAHO_NOT_OWNER', `this node does not hold shard ${shard}${owner ? ` (node ${owner} does)` : ''}`, {
    hint: 'Send the call to any node of the cluster: it forwards to the owner.',
    details: { shard, ...(owner ? { owner } : {}) },
  });
}
