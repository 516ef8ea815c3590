import { EventEmitter } from 'node:events';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openSqlite, transaction } from '../store/sqlite-file.js';

export type EventKind = 'town' | 'job' | 'agent' | 'service' | 'log';
export const EVENT_KINDS: readonly EventKind[] = ['town', 'job', 'agent', 'service', 'log'];

/**
 * One state change anywhere on the server (the stream behind /v1/events and Client.watch).
 * `log` events say a log grew (`job/<job>/<execution>`, `agent/<name>`): they are live only, with
 * id 0, never stored and never replayed; a log follow resumes from the log's own cursor. They
 * reach only subscribers that ask for the kind `log`.
 */
export interface TahoEvent {
  /** Stored events: a growing id; live-only (`log`) events: 0. */
  readonly id: number;
  readonly kind: EventKind;
  readonly type: string;
  readonly subject: string;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface EventFilter {
  readonly kinds?: readonly EventKind[] | undefined;
  readonly subject?: string | undefined;
}

/** Events kept for resuming streams; older ones are trimmed when the bus opens. */
const KEEP = 100_000;

/**
 * The one event stream. Every event is stored in `<data_dir>/events.db` before anyone hears of
 * it, with an id that only grows (SQLite AUTOINCREMENT, across restarts), so a client that
 * resumes after id N gets everything after N exactly once. Events published in the same tick
 * share one transaction: a burst of job changes costs one commit, not one each.
 */
export class EventBus {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #since: StatementSync;
  readonly #last: StatementSync;
  readonly #emitter = new EventEmitter();
  #pending: Omit<TahoEvent, 'id'>[] = [];
  #scheduled = false;
  #closed = false;

  constructor(dataDir: string) {
    this.#db = openSqlite(dataDir, 'events.db');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS events_kind ON events (kind, id);
    `);
    this.#db.prepare('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?').run(KEEP);
    this.#insert = this.#db.prepare('INSERT INTO events (kind, subject, body) VALUES (?, ?, ?)');
    this.#since = this.#db.prepare('SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?');
    this.#last = this.#db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events');
    this.#emitter.setMaxListeners(0);
  }

  /** Stores the event (with the others of this tick) and then tells the subscribers. */
  publish(kind: EventKind, type: string, subject: string, data: Readonly<Record<string, unknown>> = {}): void {
    if (this.#closed) return;
    this.#pending.push({ kind, type, subject, at: new Date().toISOString(), data });
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Tells current subscribers at once, without storing it (id 0): for `log` events. */
  notify(kind: EventKind, type: string, subject: string, data: Readonly<Record<string, unknown>> = {}): void {
    if (this.#closed) return;
    this.#emitter.emit('event', { id: 0, kind, type, subject, at: new Date().toISOString(), data });
  }

  /** Writes what is pending now (also called on close). */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0 || !this.#db.isOpen) return;
    const stored = transaction(this.#db, () => batch.map((e) => {
      const r = this.#insert.run(e.kind, e.subject, JSON.stringify(e));
      return { id: Number(r.lastInsertRowid), ...e };
    }));
    for (const e of stored) this.#emitter.emit('event', e);
  }

  /** Stored events after `after`, oldest first, filtered. */
  since(after: number, filter: EventFilter = {}, limit = 1000): TahoEvent[] {
    const out: TahoEvent[] = [];
    let last = after;
    // Filtering in JS keeps one statement; rows are read in pages until `limit` matched.
    while (out.length < limit) {
      const rows = this.#since.all(last, 1000) as { id: number; body: string }[];
      if (rows.length === 0) break;
      for (const r of rows) {
        last = Number(r.id);
        const e = { id: last, ...(JSON.parse(r.body) as Omit<TahoEvent, 'id'>) };
        if (matches(e, filter)) out.push(e);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** The newest stored id (pending events not counted: they come after it). */
  lastId(): number {
    return Number((this.#last.get() as { id: number }).id);
  }

  on(listener: (e: TahoEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }

  close(): void {
    this.flush();
    this.#closed = true;
    if (this.#db.isOpen) this.#db.close();
  }
}

export function matches(e: TahoEvent, filter: EventFilter): boolean {
  if (e.id === 0 ? !filter.kinds?.includes(e.kind) : filter.kinds && filter.kinds.length > 0 && !filter.kinds.includes(e.kind)) return false;
  if (filter.subject && e.subject !== filter.subject) return false;
  return true;
}

/**
 * Resolves at the next event `pick` accepts, when `signal` aborts, or after `fallbackMs` (a
 * change made by another process tells this bus nothing, and a watch can miss a write).
 */
export function nextEvent(bus: EventBus, pick: (e: TahoEvent) => boolean, signal: AbortSignal, fallbackMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      off();
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const off = bus.on((e) => {
      if (pick(e)) done();
    });
    const timer = setTimeout(done, fallbackMs);
    signal.addEventListener('abort', done, { once: true });
    if (signal.aborted) done();
  });
}
