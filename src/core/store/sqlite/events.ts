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

/** Rows read at a time, and events a follower takes from one read. */
const PAGE = 1000;
/** Commits a follower may have waiting before it drops them and reads the log instead (a stalled SSE client). */
const MAX_BATCHES = 64;

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
    // The newest event stays whatever the bound: the next id is counted from it (schema.ts).
    this.#trim = db.prepare('DELETE FROM events WHERE id < MIN(?, (SELECT MAX(id) FROM events))');
    this.#byKind = db.prepare('SELECT id, body FROM events WHERE kind = ? AND id > ? ORDER BY id LIMIT ?');
    this.#bySubject = db.prepare('SELECT id, kind, body FROM events WHERE subject = ? AND id > ? ORDER BY id LIMIT ?');
  }

  async append(events: readonly NewEvent[]): Promise<TahoEvent[]> {
    if (events.length === 0) return [];
    const stored = transaction(this.#db, this.#path, () => this.#outbox.write(events));
    this.#changes.committed(stored);
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
    /** Commits of this process since the last read, each with its events (contiguous ids). */
    let batches: (readonly TahoEvent[])[] = [];
    let mustRead = true;
    let wake: (() => void) | undefined;
    const poke = (): void => wake?.();
    const offWake = this.#changes.onWake((events) => {
      // Another process committed, or this follower is far behind: the log itself says what came.
      if (events === undefined || batches.length >= MAX_BATCHES) {
        mustRead = true;
        batches = [];
      } else if (!mustRead) batches.push(events);
      poke();
    });
    const offNotice = filter.kinds?.includes('log')
      ? this.#changes.onNotice((e) => {
        if (matchesFilter(e, filter)) {
          notices.push(e);
          poke();
        }
      })
      : undefined;
    signal.addEventListener('abort', poke);
    let last = options.after;
    try {
      while (!signal.aborted) {
        while (notices.length > 0) yield notices.shift() as TahoEvent;
        let next: readonly TahoEvent[];
        if (mustRead) {
          // Whatever was committed before this read is in it.
          mustRead = false;
          batches = [];
          const page = this.#read(last, filter, PAGE);
          last = page.last;
          // A full page may have more behind it.
          if (page.events.length >= PAGE) mustRead = true;
          next = page.events;
        } else if (batches.length > 0) {
          const batch = batches.shift() as readonly TahoEvent[];
          const first = batch[0]?.id ?? 0;
          // Ids are given at commit, in commit order: when this batch starts right after the last
          // id looked at, nothing can sit between them and it is the next thing in the log.
          if (first > last + 1) {
            mustRead = true;
            continue;
          }
          next = batch.filter((e) => e.id > last && matchesFilter(e, filter));
          last = Math.max(last, batch.at(-1)?.id ?? last);
        } else {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        for (const e of next) {
          if (signal.aborted) return;
          yield e;
        }
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
   * none matched: the next read seeks from the same place) or, when the read reached the end of the
   * log, its newest id; `scanned` how many were.
   */
  #read(after: number, filter: EventFilter, limit: number): { events: TahoEvent[]; last: number; scanned: number } {
    return reading(this.#path, () => {
      const newest = Number((this.#last.get() as { id: number }).id);
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
      // A read that reached the end of the log looked at everything up to its newest id: a follower
      // takes the next committed batch as contiguous from there, filtered or not.
      // (`newest` is read before the rows, so every event up to it is in them.)
      const returned = events.at(-1)?.id ?? after;
      return { events, last: rows.length < limit ? Math.max(newest, returned) : returned, scanned: events.length };
    });
  }
}
