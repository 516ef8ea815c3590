import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { contiguous, type AgentPageQuery, type AgentRecord, type AgentStore, type AgentSummary, type AppendEvent, type NewOplogEntry, type OplogEntry, type OplogReadOptions } from '../ports/agents.js';
import type { Fence } from '../ports/leases.js';
import type { SqliteLeases } from './leases.js';
import type { TahoEvent } from '../ports/events.js';
import type { Changes } from './changes.js';
import { reading, transaction } from './db.js';
import type { Outbox } from './events.js';

interface Pending {
  readonly componentId: string;
  readonly agent: string;
  readonly entry: NewOplogEntry;
  readonly event: AppendEvent | undefined;
  readonly fence: Fence | undefined;
  readonly resolve: (seq: number) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Durable agents in the store's file. Appends that arrive together are written in one
 * transaction with their events, so a burst of completions shares one commit (and with
 * `sync = full`, one fsync). Reads run synchronously and resolve at once.
 */
export class SqliteAgentStore implements AgentStore {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #outbox: Outbox;
  readonly #changes: Changes;
  readonly #leases: SqliteLeases;
  readonly #pending: Pending[] = [];
  #turnEndScheduled = false;
  #committedThisTurn = false;
  readonly #groupCommit: boolean;
  /** Entries kept below the latest snapshot (undefined: all). */
  readonly #keep: number | undefined;
  readonly #st: Record<'insertAgent' | 'getAgent' | 'listAll' | 'listOf' | 'pageAll' | 'pageOf' | 'deleteAgent' | 'deleteLog' | 'deleteSnapshot' | 'append' | 'maxSeq' | 'log' | 'size' | 'byKey' | 'seqOfKey' | 'putSnapshot' | 'getSnapshot' | 'dropBelow', StatementSync>;

  constructor(db: DatabaseSync, path: string, sync: 'normal' | 'full', outbox: Outbox, changes: Changes, leases: SqliteLeases, keepBelowSnapshot?: number) {
    this.#keep = keepBelowSnapshot;
    this.#db = db;
    this.#leases = leases;
    this.#path = path;
    this.#outbox = outbox;
    this.#changes = changes;
    this.#groupCommit = sync === 'full';
    this.#st = {
      insertAgent: db.prepare('INSERT OR IGNORE INTO agents VALUES (?, ?, ?, ?, ?)'),
      getAgent: db.prepare('SELECT * FROM agents WHERE component_id = ? AND agent = ?'),
      listAll: db.prepare('SELECT * FROM agents ORDER BY component_id, agent'),
      listOf: db.prepare('SELECT * FROM agents WHERE component_id = ? ORDER BY agent'),
      // rowid is creation order; the index on component_id holds rowid too, so both pages seek.
      pageAll: db.prepare(`SELECT a.rowid AS ord, a.*, ${SIZE} FROM agents a WHERE a.rowid > ? ORDER BY a.rowid LIMIT ?`),
      pageOf: db.prepare(`SELECT a.rowid AS ord, a.*, ${SIZE} FROM agents a WHERE a.component_id = ? AND a.rowid > ? ORDER BY a.rowid LIMIT ?`),
      deleteAgent: db.prepare('DELETE FROM agents WHERE component_id = ? AND agent = ?'),
      deleteLog: db.prepare('DELETE FROM oplog WHERE component_id = ? AND agent = ?'),
      append: db.prepare('INSERT INTO oplog VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM oplog WHERE component_id = ? AND agent = ?'),
      size: db.prepare(`SELECT ${sizeOf('?1', '?2')} AS n`),
      log: db.prepare('SELECT seq, body FROM oplog WHERE component_id = ? AND agent = ? AND seq > ? ORDER BY seq'),
      byKey: db.prepare('SELECT seq, body FROM oplog WHERE component_id = ? AND agent = ? AND idem_key = ?'),
      seqOfKey: db.prepare('SELECT seq FROM oplog WHERE component_id = ? AND agent = ? AND idem_key = ?'),
      deleteSnapshot: db.prepare('DELETE FROM snapshots WHERE component_id = ? AND agent = ?'),
      putSnapshot: db.prepare('INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?)'),
      dropBelow: db.prepare('DELETE FROM oplog WHERE component_id = ? AND agent = ? AND seq < ?'),
      getSnapshot: db.prepare('SELECT seq, bytes FROM snapshots WHERE component_id = ? AND agent = ?'),
    };
  }

  async ensureAgent(componentId: string, agent: string, init: { args?: readonly string[]; env?: Readonly<Record<string, string>> } = {}): Promise<AgentRecord> {
    return transaction(this.#db, this.#path, () => {
      this.#st.insertAgent.run(componentId, agent, Date.now(), JSON.stringify(init.args ?? []), JSON.stringify(init.env ?? {}));
      return toAgent(this.#st.getAgent.get(componentId, agent) as Record<string, unknown>);
    });
  }

  async getAgent(componentId: string, agent: string): Promise<AgentRecord | undefined> {
    const row = reading(this.#path, () => this.#st.getAgent.get(componentId, agent));
    return row ? toAgent(row) : undefined;
  }

  async listAgents(componentId?: string): Promise<AgentRecord[]> {
    return reading(this.#path, () => (componentId === undefined ? this.#st.listAll.all() : this.#st.listOf.all(componentId)).map(toAgent));
  }

  async agentPage(q: AgentPageQuery): Promise<AgentSummary[]> {
    const after = q.after ?? 0;
    return reading(this.#path, () => (q.componentId === undefined ? this.#st.pageAll.all(after, q.limit) : this.#st.pageOf.all(q.componentId, after, q.limit))
      .map((r) => ({ ...toAgent(r), ord: Number(r.ord), oplogSize: Number(r.size) })));
  }

  async deleteAgent(componentId: string, agent: string): Promise<boolean> {
    return transaction(this.#db, this.#path, () => {
      const r = this.#st.deleteAgent.run(componentId, agent);
      const log = this.#st.deleteLog.run(componentId, agent);
      this.#st.deleteSnapshot.run(componentId, agent);
      return Number(r.changes) > 0 || Number(log.changes) > 0;
    });
  }

  append(componentId: string, agent: string, entry: NewOplogEntry, event?: AppendEvent, fence?: Fence): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ componentId, agent, entry, event, fence, resolve, reject });
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
    let events: TahoEvent[] = [];
    try {
      seqs = transaction(this.#db, this.#path, () => batch.map((p) => this.#insert(p, events)));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One bad entry must not fail the others that happened to share its commit.
      for (const p of batch) {
        try {
          events = [];
          p.resolve(transaction(this.#db, this.#path, () => this.#insert(p, events)));
          this.#changes.committed(events);
        } catch (e) {
          p.reject(e);
        }
      }
      return;
    }
    this.#changes.committed(events);
    batch.forEach((p, i) => p.resolve(seqs[i] as number));
  }

  /** Inserts the entry (and its event, added to `events`); the seq it has. */
  #insert(p: Pending, events: TahoEvent[]): number {
    if (p.fence) this.#leases.check(p.fence);
    const seq = Number((this.#st.maxSeq.get(p.componentId, p.agent) as { seq: number }).seq) + 1;
    const r = this.#st.append.run(p.componentId, p.agent, seq, JSON.stringify({ ...p.entry, seq }), p.entry.key);
    // The key was stored before: that entry is the answer, and nothing new happened.
    if (Number(r.changes) === 0) return Number((this.#st.seqOfKey.get(p.componentId, p.agent, p.entry.key) as { seq: number }).seq);
    if (p.event) events.push(...this.#outbox.write([{ kind: 'agent', type: p.event.type, subject: p.event.subject, data: { ...p.event.data, seq } }]));
    return seq;
  }

  async oplog(componentId: string, agent: string, afterSeq = 0, options?: OplogReadOptions): Promise<OplogEntry[]> {
    const entries = reading(this.#path, () => this.#st.log.all(componentId, agent, afterSeq).map((r) => JSON.parse(String(r.body)) as OplogEntry));
    return contiguous(entries, afterSeq, `${componentId}/${agent}`, options);
  }

  async oplogSize(componentId: string, agent: string): Promise<number> {
    return reading(this.#path, () => Number((this.#st.size.get(componentId, agent) as { n: number }).n));
  }

  async byKey(componentId: string, agent: string, key: string): Promise<OplogEntry | undefined> {
    const row = reading(this.#path, () => this.#st.byKey.get(componentId, agent, key));
    return row ? (JSON.parse(String(row.body)) as OplogEntry) : undefined;
  }

  async saveSnapshot(componentId: string, agent: string, seq: number, bytes: Uint8Array): Promise<void> {
    transaction(this.#db, this.#path, () => {
      this.#st.putSnapshot.run(componentId, agent, seq, bytes);
      if (this.#keep !== undefined) this.#st.dropBelow.run(componentId, agent, seq - this.#keep);
    });
  }

  async latestSnapshot(componentId: string, agent: string): Promise<{ seq: number; bytes: Uint8Array } | undefined> {
    const row = reading(this.#path, () => this.#st.getSnapshot.get(componentId, agent));
    return row ? { seq: Number(row.seq), bytes: new Uint8Array(row.bytes as Uint8Array) } : undefined;
  }

  /** Commits what is pending (called before the file closes). */
  flush(): void {
    if (this.#pending.length > 0) this.#flush();
  }
}

/**
 * Entries an agent's oplog holds: seqs are gap-free from the first kept one, so last - first + 1,
 * each end one seek on the primary key (a COUNT, or MIN and MAX in one query, walks every entry).
 */
const sizeOf = (c: string, a: string): string => {
  const end = (dir: string): string => `(SELECT o.seq FROM oplog o WHERE o.component_id = ${c} AND o.agent = ${a} ORDER BY o.seq ${dir} LIMIT 1)`;
  return `COALESCE(${end('DESC')} - ${end('ASC')} + 1, 0)`;
};
const SIZE = `${sizeOf('a.component_id', 'a.agent')} AS size`;

function toAgent(row: Record<string, unknown>): AgentRecord {
  return {
    componentId: String(row.component_id),
    agent: String(row.agent),
    createdAt: Number(row.created_at),
    args: JSON.parse(String(row.args)) as string[],
    env: JSON.parse(String(row.env)) as Record<string, string>,
  };
}
