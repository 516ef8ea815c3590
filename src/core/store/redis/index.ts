import { TahoError } from '../../errors.js';
import type { StoreHealth, Stores } from '../ports/index.js';
import { AGENT_SCRIPTS, RedisAgentStore } from './agents.js';
import { RedisConn } from './connection.js';
import { EVENT_SCRIPTS, RedisEventLog } from './events.js';
import { JOB_SCRIPTS, RedisJobStore } from './jobs.js';
import { HEALTH } from './keys.js';
import { LEASE_SCRIPTS, RedisLeases } from './leases.js';
import { RedisTownStore } from './town.js';
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
  readonly #conn: RedisConn;

  constructor(url: string, keepBelowSnapshot?: number) {
    this.#conn = new RedisConn(url, { ...AGENT_SCRIPTS, ...EVENT_SCRIPTS, ...JOB_SCRIPTS, ...LEASE_SCRIPTS, ...TOWN_SCRIPTS });
    this.location = this.#conn.location;
    this.agents = new RedisAgentStore(this.#conn, keepBelowSnapshot);
    this.events = new RedisEventLog(this.#conn);
    this.jobs = new RedisJobStore(this.#conn);
    this.town = new RedisTownStore(this.#conn);
    this.leases = new RedisLeases(this.#conn);
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

  async close(): Promise<void> {
    await this.events.close();
    await this.#conn.close();
  }
}
