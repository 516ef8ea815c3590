import { statfsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { TahoError } from '../../errors.js';
import type { StoreHealth, Stores } from '../ports/index.js';
import { SqliteAgentStore } from './agents.js';
import { Changes } from './changes.js';
import { openDb, reading, transaction } from './db.js';
import { Outbox, SqliteEventLog } from './events.js';
import { SqliteJobStore } from './jobs.js';
import { SqliteLeases } from './leases.js';
import { createSchema } from './schema.js';
import { prepareStoreFile, verifyOpened } from './startup.js';
import { SqliteTownStore } from './town.js';

export const STORE_FILE = 'taho.db';

/** Below this much free space /ready says the store cannot take writes: an agent's entry may not fit. */
const MIN_FREE_BYTES = 1024 * 1024;

function freeBytes(file: string): number | undefined {
  try {
    const s = statfsSync(dirname(file));
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Every port over one SQLite file of the data directory, `<dataDir>/taho.db`. */
export class SqliteStores implements Stores {
  readonly kind = 'sqlite';
  readonly location: string;
  readonly agents: SqliteAgentStore;
  readonly jobs: SqliteJobStore;
  readonly town: SqliteTownStore;
  readonly events: SqliteEventLog;
  readonly leases: SqliteLeases;
  readonly #db: DatabaseSync;
  readonly #changes: Changes;

  constructor(dataDir: string, sync: 'normal' | 'full', keepBelowSnapshot?: number) {
    const path = join(dataDir, STORE_FILE);
    this.location = path;
    prepareStoreFile(path);
    this.#db = openDb(dataDir, STORE_FILE, sync);
    try {
      reading(path, () => verifyOpened(this.#db, path));
      createSchema(this.#db, path, dataDir);
    } catch (err) {
      this.#db.close();
      throw err;
    }
    const outbox = new Outbox(this.#db);
    this.#changes = new Changes(this.#db, dataDir);
    this.leases = new SqliteLeases(this.#db, path);
    this.agents = new SqliteAgentStore(this.#db, path, sync, outbox, this.#changes, this.leases, keepBelowSnapshot);
    this.events = new SqliteEventLog(this.#db, path, outbox, this.#changes);
    const ctx = { db: this.#db, path, outbox, changes: this.#changes, leases: this.leases };
    this.jobs = new SqliteJobStore(ctx);
    this.town = new SqliteTownStore(ctx);
  }

  async health(): Promise<StoreHealth> {
    const base = { kind: this.kind, location: this.location };
    const t0 = process.hrtime.bigint();
    try {
      reading(this.location, () => this.#db.prepare('SELECT COUNT(*) FROM town_backlog').get());
      // A small real write: it needs the write lock and room in the WAL, so it fails on a
      // read-only file system and on a full disk, as the next acknowledged write would.
      transaction(this.#db, this.location, () => this.#db.prepare("INSERT OR REPLACE INTO town_meta VALUES ('store_checked', ?)").run(new Date().toISOString()));
      // A small write still fits on a disk too full for an agent's entry (SQLite reuses the WAL
      // from its start after a checkpoint): the free space itself says whether writes will fail.
      const free = freeBytes(this.location);
      if (free !== undefined && free < MIN_FREE_BYTES) {
        return {
          ok: false, ...base, readMs: Number(process.hrtime.bigint() - t0) / 1e6,
          reason: `the disk holding the store ${this.location} is full (${Math.floor(free / 1024)} KiB free): writes fail`,
          hint: 'Free space on that disk (or move data_dir to a larger one); everything acknowledged before is kept, and taho takes writes again by itself.',
        };
      }
      return { ok: true, ...base, readMs: Number(process.hrtime.bigint() - t0) / 1e6 };
    } catch (err) {
      const e = err instanceof TahoError ? err : undefined;
      return { ok: false, ...base, readMs: Number(process.hrtime.bigint() - t0) / 1e6, reason: e?.message ?? String(err), hint: e?.hint };
    }
  }

  async usage(): Promise<number> {
    return ['', '-wal', '-shm'].reduce((n, suffix) => {
      try {
        return n + statSync(this.location + suffix).size;
      } catch {
        return n;
      }
    }, 0);
  }

  async close(): Promise<void> {
    if (!this.#db.isOpen) return;
    this.agents.flush();
    this.#changes.close();
    this.#db.close();
  }
}
