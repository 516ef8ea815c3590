import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { matchesFilter, type EventFilter, type EventKind, type EventLog, type FollowOptions, type NewEvent, type TahoEvent } from '../ports/events.js';
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
  readonly #byKind: StatementSync;
  readonly #trim: StatementSync;
  readonly #bySubject: StatementSync;

  constructor(db: DatabaseSync, path: string, outbox: Outbox, changes: Changes) {
    this.#db = db;
    this.#path = path;
    this.#outbox = outbox;
    this.#changes = changes;
    this.#since = db.prepare('SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?');
    this.#last = db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events');
    this.#trim = db.prepare('DELETE FROM events WHERE id < ?');
    this.#byKind = db.prepare('SELECT id, body FROM events WHERE kind = ? AND id > ? ORDER BY id LIMIT ?');
    this.#bySubject = db.prepare('SELECT id, kind, body FROM events WHERE subject = ? AND id > ? ORDER BY id LIMIT ?');
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

  async trim(beforeId: number): Promise<number> {
    return transaction(this.#db, this.#path, () => Number(this.#trim.run(beforeId).changes));
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

  /**
   * Matching events after `after`, read through an index: by subject (then kinds checked per
   * row), else one seek per kind merged by id, else the ids themselves. A filtered read costs the
   * rows it returns, not every event since `after`. `last` is the last id returned (unchanged when
   * none matched: the next read seeks from the same place), `scanned` how many were.
   */
  #read(after: number, filter: EventFilter, limit: number): { events: TahoEvent[]; last: number; scanned: number } {
    return reading(this.#path, () => {
      const kinds = filter.kinds !== undefined && filter.kinds.length > 0 ? filter.kinds : undefined;
      let rows: { id: number; body: string }[];
      if (filter.subject) {
        rows = [];
        for (let from = after; rows.length < limit;) {
          const batch = this.#bySubject.all(filter.subject, from, limit) as { id: number; kind: EventKind; body: string }[];
          rows.push(...batch.filter((r) => kinds === undefined || kinds.includes(r.kind)));
          if (batch.length < limit) break;
          from = Number(batch.at(-1)?.id);
        }
        rows = rows.slice(0, limit);
      } else if (kinds !== undefined) {
        rows = kinds.flatMap((k) => this.#byKind.all(k, after, limit) as { id: number; body: string }[]).sort((a, b) => Number(a.id) - Number(b.id)).slice(0, limit);
      } else {
        rows = this.#since.all(after, limit) as { id: number; body: string }[];
      }
      const events = rows.map((r) => ({ id: Number(r.id), ...(JSON.parse(r.body) as Omit<TahoEvent, 'id'>) }));
      return { events, last: events.at(-1)?.id ?? after, scanned: events.length };
    });
  }
}
