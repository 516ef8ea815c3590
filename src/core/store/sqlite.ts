import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openSqlite, transaction } from './sqlite-file.js';
import type { AgentRecord, AgentStore, NewOplogEntry, OplogEntry } from './contract.js';

export interface SqliteOptions {
  readonly dataDir: string;
  /** `normal` survives a killed process (WAL); `full` also survives power loss (fsync per commit). */
  readonly sync: 'normal' | 'full';
}

interface Pending {
  readonly componentId: string;
  readonly agent: string;
  readonly entry: NewOplogEntry;
  readonly resolve: (seq: number) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The embedded store: one SQLite file in the data directory through node:sqlite (built into
 * Node ≥ 22, nothing to compile). Appends that arrive together are written in one transaction, so
 * a burst of completions shares one commit (and with `sync = full`, one fsync).
 */
export class SqliteStore implements AgentStore {
  readonly #db: DatabaseSync;
  readonly #pending: Pending[] = [];
  #turnEndScheduled = false;
  #committedThisTurn = false;
  readonly #groupCommit: boolean;
  readonly #st: Record<'insertAgent' | 'getAgent' | 'listAll' | 'listOf' | 'deleteAgent' | 'deleteLog' | 'deleteSnapshot' | 'append' | 'maxSeq' | 'log' | 'size' | 'byKey' | 'putSnapshot' | 'getSnapshot', StatementSync>;

  constructor(options: SqliteOptions) {
    this.#groupCommit = options.sync === 'full';
    this.#db = openSqlite(options.dataDir, 'taho.db', options.sync);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS agents (
        component_id TEXT NOT NULL, agent TEXT NOT NULL, created_at INTEGER NOT NULL,
        args TEXT NOT NULL, env TEXT NOT NULL, PRIMARY KEY (component_id, agent));
      CREATE TABLE IF NOT EXISTS oplog (
        component_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
        idem_key TEXT NOT NULL, PRIMARY KEY (component_id, agent, seq));
      CREATE UNIQUE INDEX IF NOT EXISTS oplog_key ON oplog (component_id, agent, idem_key);
      CREATE TABLE IF NOT EXISTS snapshots (
        component_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL,
        PRIMARY KEY (component_id, agent));
    `);
    const db = this.#db;
    this.#st = {
      insertAgent: db.prepare('INSERT OR IGNORE INTO agents VALUES (?, ?, ?, ?, ?)'),
      getAgent: db.prepare('SELECT * FROM agents WHERE component_id = ? AND agent = ?'),
      listAll: db.prepare('SELECT * FROM agents ORDER BY component_id, agent'),
      listOf: db.prepare('SELECT * FROM agents WHERE component_id = ? ORDER BY agent'),
      deleteAgent: db.prepare('DELETE FROM agents WHERE component_id = ? AND agent = ?'),
      deleteLog: db.prepare('DELETE FROM oplog WHERE component_id = ? AND agent = ?'),
      append: db.prepare('INSERT INTO oplog VALUES (?, ?, ?, ?, ?)'),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM oplog WHERE component_id = ? AND agent = ?'),
      log: db.prepare('SELECT seq, body FROM oplog WHERE component_id = ? AND agent = ? AND seq > ? ORDER BY seq'),
      size: db.prepare('SELECT COUNT(*) AS n FROM oplog WHERE component_id = ? AND agent = ?'),
      byKey: db.prepare('SELECT seq, body FROM oplog WHERE component_id = ? AND agent = ? AND idem_key = ?'),
      deleteSnapshot: db.prepare('DELETE FROM snapshots WHERE component_id = ? AND agent = ?'),
      putSnapshot: db.prepare('INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?)'),
      getSnapshot: db.prepare('SELECT seq, bytes FROM snapshots WHERE component_id = ? AND agent = ?'),
    };
  }

  ensureAgent(componentId: string, agent: string, init: { args?: readonly string[]; env?: Readonly<Record<string, string>> } = {}): AgentRecord {
    this.#st.insertAgent.run(componentId, agent, Date.now(), JSON.stringify(init.args ?? []), JSON.stringify(init.env ?? {}));
    return this.getAgent(componentId, agent) as AgentRecord;
  }

  getAgent(componentId: string, agent: string): AgentRecord | undefined {
    const row = this.#st.getAgent.get(componentId, agent);
    return row ? toAgent(row) : undefined;
  }

  listAgents(componentId?: string): AgentRecord[] {
    return (componentId === undefined ? this.#st.listAll.all() : this.#st.listOf.all(componentId)).map(toAgent);
  }

  deleteAgent(componentId: string, agent: string): boolean {
    return transaction(this.#db, () => {
      const r = this.#st.deleteAgent.run(componentId, agent);
      this.#st.deleteLog.run(componentId, agent);
      this.#st.deleteSnapshot.run(componentId, agent);
      return Number(r.changes) > 0;
    });
  }

  append(componentId: string, agent: string, entry: NewOplogEntry): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ componentId, agent, entry, resolve, reject });
      // A NORMAL commit in WAL mode writes without fsync (≈ 40 µs), less than waiting for the end
      // of the loop turn costs a quiet server: the first append of a turn commits at once. Appends
      // after it in the same turn (a busy server) share one commit at the turn's end. FULL pays an
      // fsync per commit (≈ 0.2 ms), so every append waits for the shared one.
      const now = !this.#groupCommit && !this.#committedThisTurn;
      if (!this.#turnEndScheduled) {
        this.#turnEndScheduled = true;
        setImmediate(() => {
          this.#turnEndScheduled = false;
          this.#committedThisTurn = false;
          if (this.#pending.length > 0) this.#flush();
        });
      }
      if (now) {
        this.#committedThisTurn = true;
        this.#flush();
      }
    });
  }

  #flush(): void {
    const batch = this.#pending.splice(0);
    let seqs: number[];
    try {
      seqs = transaction(this.#db, () => batch.map((p) => this.#insert(p)));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One bad entry must not fail the others that happened to share its commit.
      for (const p of batch) {
        try {
          p.resolve(transaction(this.#db, () => this.#insert(p)));
        } catch (e) {
          p.reject(e);
        }
      }
      return;
    }
    batch.forEach((p, i) => p.resolve(seqs[i] as number));
  }

  #insert(p: Pending): number {
    const seq = Number((this.#st.maxSeq.get(p.componentId, p.agent) as { seq: number }).seq) + 1;
    this.#st.append.run(p.componentId, p.agent, seq, JSON.stringify({ ...p.entry, seq }), p.entry.key);
    return seq;
  }

  oplog(componentId: string, agent: string, afterSeq = 0): OplogEntry[] {
    return this.#st.log.all(componentId, agent, afterSeq).map((r) => JSON.parse(String(r.body)) as OplogEntry);
  }

  oplogSize(componentId: string, agent: string): number {
    return Number((this.#st.size.get(componentId, agent) as { n: number }).n);
  }

  byKey(componentId: string, agent: string, key: string): OplogEntry | undefined {
    const row = this.#st.byKey.get(componentId, agent, key);
    return row ? (JSON.parse(String(row.body)) as OplogEntry) : undefined;
  }

  saveSnapshot(componentId: string, agent: string, seq: number, bytes: Uint8Array): void {
    this.#st.putSnapshot.run(componentId, agent, seq, bytes);
  }

  latestSnapshot(componentId: string, agent: string): { seq: number; bytes: Uint8Array } | undefined {
    const row = this.#st.getSnapshot.get(componentId, agent);
    return row ? { seq: Number(row.seq), bytes: new Uint8Array(row.bytes as Uint8Array) } : undefined;
  }

  close(): void {
    if (!this.#db.isOpen) return;
    if (this.#pending.length > 0) this.#flush();
    this.#db.close();
  }
}

function toAgent(row: Record<string, unknown>): AgentRecord {
  return {
    componentId: String(row.component_id),
    agent: String(row.agent),
    createdAt: Number(row.created_at),
    args: JSON.parse(String(row.args)) as string[],
    env: JSON.parse(String(row.env)) as Record<string, string>,
  };
}
