import { hostname } from 'node:os';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { processRunning } from '../../../shared/process.js';
import { TahoError } from '../../errors.js';
import type { Fence, Lease, LeaseHolder, LeaseName, Leases } from '../ports/leases.js';
import { reading, transaction } from './db.js';

interface Row {
  readonly name: string;
  readonly holder: string;
  readonly token: number;
  readonly expires_at: number;
  readonly pid: number | null;
  readonly host: string | null;
}

/**
 * Leases in the store's file. A released lease keeps its row (holder '') so the next holder's
 * token is still higher. A holder whose pid is dead on this host has let its lease go: a server
 * restarted after SIGKILL takes over at once instead of waiting out the TTL.
 */
export class SqliteLeases implements Leases {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #st: Record<'get' | 'put', StatementSync>;

  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.#path = path;
    this.#st = {
      get: db.prepare('SELECT * FROM leases WHERE name = ?'),
      put: db.prepare('INSERT OR REPLACE INTO leases VALUES (?, ?, ?, ?, ?, ?)'),
    };
  }

  async acquire(name: LeaseName, holder: LeaseHolder, ttlMs: number): Promise<Lease | undefined> {
    return transaction(this.#db, this.#path, () => {
      const row = this.#row(name);
      const now = Date.now();
      if (row && row.holder !== '' && row.holder !== holder.id && this.#live(row, now)) return undefined;
      const token = row === undefined ? 1 : row.holder === holder.id && this.#live(row, now) ? row.token : row.token + 1;
      const lease: Lease = { name, holder: holder.id, token, expiresAt: now + ttlMs };
      this.#st.put.run(name, holder.id, token, lease.expiresAt, holder.pid ?? null, holder.host ?? null);
      return lease;
    });
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease> {
    return transaction(this.#db, this.#path, () => {
      this.check({ lease: lease.name, token: lease.token }, lease.holder);
      const row = this.#row(lease.name) as Row;
      const next = { ...lease, expiresAt: Date.now() + ttlMs };
      this.#st.put.run(lease.name, lease.holder, lease.token, next.expiresAt, row.pid, row.host);
      return next;
    });
  }

  async release(lease: Lease): Promise<void> {
    transaction(this.#db, this.#path, () => {
      const row = this.#row(lease.name);
      if (row === undefined || row.token !== lease.token || row.holder !== lease.holder) return;
      this.#st.put.run(lease.name, '', row.token, 0, null, null);
    });
  }

  async current(name: LeaseName): Promise<Lease | undefined> {
    return reading(this.#path, () => {
      const row = this.#row(name);
      if (row === undefined || row.holder === '' || !this.#live(row, Date.now())) return undefined;
      return { name, holder: row.holder, token: row.token, expiresAt: row.expires_at };
    });
  }

  /** Inside a write: refuses it unless `fence` is the lease's current, unexpired token. */
  check(fence: Fence, holder?: string): void {
    const row = this.#row(fence.lease);
    if (row !== undefined && row.token === fence.token && row.holder !== '' && (holder === undefined || row.holder === holder) && this.#live(row, Date.now())) return;
    throw new TahoError('TAHO_LEASE_LOST', `this process no longer holds the ${fence.lease} lease (token ${fence.token}${row ? `; current ${row.token}` : ''})`, {
      hint: `Another taho process took over the ${fence.lease} of this data directory (this one was paused or too slow to renew); restart this one if it should run them.`,
    });
  }

  #row(name: LeaseName): Row | undefined {
    const r = this.#st.get.get(name);
    if (r === undefined) return undefined;
    return { name, holder: String(r.holder), token: Number(r.token), expires_at: Number(r.expires_at), pid: r.pid === null ? null : Number(r.pid), host: r.host === null ? null : String(r.host) };
  }

  #live(row: Row, now: number): boolean {
    if (row.expires_at <= now) return false;
    // Our own lease (every fenced write checks it) costs no system call.
    if (row.pid !== null && row.pid !== process.pid && row.host === hostname() && !processRunning(row.pid)) return false;
    return true;
  }
}
