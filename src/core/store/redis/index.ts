import { TahoError } from '../../errors.js';
import type { StoreHealth, Stores } from '../ports/index.js';

type Durability = 'process' | 'fsync' | 'replicated';
import { AGENT_SCRIPTS, RedisAgentStore } from './agents.js';
import { CLUSTER_SCRIPTS, RedisClusterStore } from './cluster.js';
import { RedisConn } from './connection.js';
import { EVENT_SCRIPTS, RedisEventLog } from './events.js';
import { JOB_SCRIPTS, RedisJobStore } from './jobs.js';
import { HEALTH } from './keys.js';
import { LEASE_SCRIPTS, RedisLeases } from './leases.js';
import { RedisTownStore } from './town.js';
import { RedisExecutionQueues } from './queues.js';
import { TOWN_SCRIPTS } from './town-lua.js';

/**
 * Every port over one Redis database (`redis://[:password@]host:port/db`, `rediss://` for TLS).
 * Opening does not wait for the connection: the first call does, and fails with
 * TAHO_STORE_UNREACHABLE in bounded time when Redis cannot be reached.
 */
export class RedisStores implements Stores {
  readonly kind = 'redis';
  readonly location: string;
  readonly agents: RedisAgentStore;
  readonly jobs: RedisJobStore;
  readonly town: RedisTownStore;
  readonly events: RedisEventLog;
  readonly leases: RedisLeases;
  readonly cluster: RedisClusterStore;
  readonly queues: RedisExecutionQueues;
  readonly #conn: RedisConn;

  readonly #durability: Durability;

  constructor(url: string, options: { durability: Durability; replicaTimeoutMs: number; keepBelowSnapshot?: number | undefined } = { durability: 'process', replicaTimeoutMs: 1000 }) {
    this.#conn = new RedisConn(url, { ...AGENT_SCRIPTS, ...EVENT_SCRIPTS, ...JOB_SCRIPTS, ...LEASE_SCRIPTS, ...TOWN_SCRIPTS, ...CLUSTER_SCRIPTS });
    this.#durability = options.durability;
    if (options.durability === 'replicated') this.#conn.waitForReplicas(1, options.replicaTimeoutMs);
    this.location = this.#conn.location;
    this.agents = new RedisAgentStore(this.#conn, options.keepBelowSnapshot);
    this.events = new RedisEventLog(this.#conn);
    this.jobs = new RedisJobStore(this.#conn);
    this.town = new RedisTownStore(this.#conn);
    this.leases = new RedisLeases(this.#conn);
    this.cluster = new RedisClusterStore(this.#conn);
    this.queues = new RedisExecutionQueues(url);
  }

  /** Reachable and writable (a replica or a server out of memory or disk refuses the write). */
  async health(): Promise<StoreHealth> {
    const base = { kind: this.kind, location: this.location };
    const t0 = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
    try {
      await this.#conn.do((r) => r.set(HEALTH, '1'));
      return { ok: true, ...base, readMs: ms() };
    } catch (err) {
      const e = err instanceof TahoError ? err : undefined;
      return { ok: false, ...base, readMs: ms(), reason: e?.message ?? String(err), hint: e?.hint };
    }
  }

  async usage(): Promise<number> {
    const info = await this.#conn.do((r) => r.info('memory'));
    return Number(/^used_memory_dataset:(\d+)/m.exec(info)?.[1] ?? /^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
  }

  /**
   * Whether the Redis server gives the durability asked for: `fsync` needs `appendfsync always`
   * (refused otherwise); without `appendonly yes` a redis-server crash loses recent writes, and
   * `replicated` without a connected replica fails every write (both reported as warnings). A
   * server that forbids CONFIG (a managed one) is taken at its word, with a warning.
   */
  async verify(): Promise<string[]> {
    const where = this.location;
    let config: Record<string, string>;
    try {
      const flat = await this.#conn.do((r) => r.call('CONFIG', 'GET', 'append*') as Promise<string[]>);
      config = Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1] ?? '']] : [])));
    } catch (err) {
      if (err instanceof TahoError && err.code === 'TAHO_STORE_UNREACHABLE') throw err;
      return [`cannot read the persistence settings of ${where} (CONFIG is not allowed): make sure it runs with appendonly yes`];
    }
    const warnings: string[] = [];
    if (this.#durability === 'fsync' && (config.appendonly !== 'yes' || config.appendfsync !== 'always')) {
      throw new TahoError('TAHO_CONFIG_INVALID', `[store] durability is "fsync" but the Redis server at ${where} runs with appendonly ${config.appendonly ?? '?'}, appendfsync ${config.appendfsync ?? '?'}`, {
        hint: 'Run redis-server with --appendonly yes --appendfsync always (or CONFIG SET them), or choose durability "process".',
      });
    }
    if (config.appendonly !== 'yes') warnings.push(`the Redis server at ${where} runs without appendonly: a redis-server crash loses the writes since its last snapshot (run it with --appendonly yes)`);
    if (this.#durability === 'replicated') {
      const info = await this.#conn.do((r) => r.info('replication'));
      const replicas = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
      if (replicas < 1) warnings.push(`[store] durability is "replicated" but the Redis server at ${where} has no connected replica: every write will fail until one connects`);
    }
    return warnings;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queues.close();
    await this.#conn.close();
  }
}
