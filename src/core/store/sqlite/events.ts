import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { matchesFilter, type EventFilter, type EventLog, type FollowOptions, type NewEvent, type TahoEvent } from '../ports/events.js';
import type { Changes } from './changes.js';
import { reading, transaction } from './db.js';

/** Writes events inside the transaction of the change they report (the outbox). */
export class Outbox {
  readonly #insert: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare('INSERT INTO events (kind, subject, body) VALUES (?, ?, ?)');
  }

  /** Must run inside a write transaction. */
  write(events: readonly NewEvent[], at = new Date().toISOString()): TahoEvent[] {
    return events.map((e) => {
      const body = { kind: e.kind, type: e.type, subject: e.subject, at, data: e.data };
      const id = Number(this.#insert.run(e.kind, e.subject, JSON.stringify(body)).lastInsertRowid);
      return { id, ...body };
    });
  }
}

export class SqliteEventLog implements EventLog {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #outbox: Outbox;
  readonly #changes: Changes;
  readonly #since: StatementSync;
  readonly #last: StatementSync;

  constructor(db: DatabaseSync, path: string, outbox: Outbox, changes: Changes) {
    this.#db = db;
    this.#path = path;
    this.#outbox = outbox;
    this.#changes = changes;
    this.#since = db.prepare('SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?');
    this.#last = db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events');
  }

  async append(events: readonly NewEvent[]): Promise<TahoEvent[]> {
    if (events.length === 0) return [];
    const stored = transaction(this.#db, this.#path, () => this.#outbox.write(events));
    this.#changes.committed();
    return stored;
  }

  async read(afterId: number, filter: EventFilter = {}, limit = 1000): Promise<TahoEvent[]> {
    return this.#read(afterId, filter, limit).events;
  }

  async lastId(): Promise<number> {
    return reading(this.#path, () => Number((this.#last.get() as { id: number }).id));
  }

  notify(event: NewEvent): void {
    this.#changes.notice({ id: 0, at: new Date().toISOString(), ...event });
  }

  async *follow(options: FollowOptions): AsyncGenerator<TahoEvent> {
    const { signal } = options;
    const filter: EventFilter = { kinds: options.kinds, subject: options.subject };
    const notices: TahoEvent[] = [];
    let last = options.after;
    let generation = 0;
    let wake: (() => void) | undefined;
    const poke = (): void => {
      generation += 1;
      wake?.();
    };
    const offWake = this.#changes.onWake(poke);
    const offNotice = filter.kinds?.includes('log')
      ? this.#changes.onNotice((e) => {
        if (matchesFilter(e, filter)) {
          notices.push(e);
          poke();
        }
      })
      : undefined;
    signal.addEventListener('abort', poke);
    try {
      while (!signal.aborted) {
        const seen = generation;
        while (notices.length > 0) yield notices.shift() as TahoEvent;
        const page = this.#read(last, filter, 1000);
        last = page.last;
        for (const e of page.events) {
          if (signal.aborted) return;
          yield e;
        }
        // A full page may have more behind it; a wake-up during the read may have news.
        if (page.scanned > 0 || generation !== seen || notices.length > 0) continue;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', poke);
      offWake();
      offNotice?.();
    }
  }

  /** Matching events after `after`, and the last id looked at (filtered ones included). */
  #read(after: number, filter: EventFilter, limit: number): { events: TahoEvent[]; last: number; scanned: number } {
    return reading(this.#path, () => {
      const out: TahoEvent[] = [];
      let last = after;
      let scanned = 0;
      // Filtering in JS keeps one statement; rows are read in pages until `limit` matched.
      while (out.length < limit) {
        const rows = this.#since.all(last, 1000) as { id: number; body: string }[];
        if (rows.length === 0) break;
        for (const r of rows) {
          last = Number(r.id);
          scanned += 1;
          const e = { id: last, ...(JSON.parse(r.body) as Omit<TahoEvent, 'id'>) };
          if (matchesFilter(e, filter)) out.push(e);
          if (out.length >= limit) break;
        }
      }
      return { events: out, last, scanned };
    });
  }
}
