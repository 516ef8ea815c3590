import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTahoError } from '../../errors.js';
import { matchesFilter, type EventFilter, type EventLog, type FollowOptions, type NewEvent, type TahoEvent } from '../ports/events.js';
import type { LuaScript, RedisConn } from './connection.js';
import { EVENT_COUNTER, EVENT_STREAM } from './keys.js';
import { script } from './lua.js';
import { Tail, type Batch } from './tail.js';
import { eventBody, fromEntries, storedEvents, type Entry } from './codec.js';

export const EVENT_SCRIPTS: Record<string, LuaScript> = {
  tahoEvents: {
    keys: 2,
    lua: script(`
local ids = {}
for i = 1, #ARGV do ids[i] = emit(KEYS[1], KEYS[2], ARGV[i]) end
return ids`),
  },
};

const PAGE = 1000;
/** Batches a follower keeps while it is busy; past that it reads the stream instead. */
const MAX_QUEUED = 16;

/**
 * The one event log as a Redis stream. Followers of this process share one blocking XREAD loop
 * (the Tail) on a dedicated connection; see `follow` for why the seam has no gap.
 */
export class RedisEventLog implements EventLog {
  readonly #conn: RedisConn;
  readonly #tail: Tail;
  readonly #notices = new EventEmitter<{ notice: [TahoEvent] }>();

  constructor(conn: RedisConn) {
    this.#conn = conn;
    this.#tail = new Tail(conn);
    this.#notices.setMaxListeners(0);
  }

  async append(events: readonly NewEvent[]): Promise<TahoEvent[]> {
    if (events.length === 0) return [];
    const at = new Date().toISOString();
    const bodies = events.map((e) => eventBody(e, at));
    const ids = (await this.#conn.script('tahoEvents', [EVENT_COUNTER, EVENT_STREAM], bodies)) as number[];
    return storedEvents(bodies, ids);
  }

  async trim(beforeId: number): Promise<number> {
    return this.#conn.do((r) => r.xtrim(EVENT_STREAM, 'MINID', `${beforeId}-0`));
  }

  async read(afterId: number, filter: EventFilter = {}, limit = PAGE): Promise<TahoEvent[]> {
    return (await this.#read(afterId, filter, limit)).events;
  }

  async lastId(): Promise<number> {
    return Number((await this.#conn.do((r) => r.get(EVENT_COUNTER))) ?? 0);
  }

  notify(event: NewEvent): void {
    this.#notices.emit('notice', { id: 0, at: new Date().toISOString(), ...event });
  }

  /**
   * Replays with XRANGE after `after`, then takes the tail's batches. A batch says which range it
   * covers completely (ids > `from`); when that range starts at or before the last id this
   * follower yielded, the batch's newer events are exactly what comes next; otherwise (the tail
   * started or resumed later than this follower's replay ended) the follower reads the gap from
   * the stream itself. Either way: every event once, in id order.
   */
  async *follow(options: FollowOptions): AsyncGenerator<TahoEvent> {
    const { signal } = options;
    const filter: EventFilter = { kinds: options.kinds, subject: options.subject };
    const batches: (Batch | null)[] = [];
    const notices: TahoEvent[] = [];
    let wake: (() => void) | undefined;
    const poke = (): void => wake?.();
    const off = this.#tail.subscribe((b) => {
      // A slow follower (a stalled SSE client) does not hoard batches: past a few it drops them.
      // The batch queued after a drop starts past the follower's last id, which makes it read the
      // dropped events from the stream itself.
      if (b !== null && batches.length >= MAX_QUEUED) batches.length = 0;
      batches.push(b);
      poke();
    });
    const onNotice = (e: TahoEvent): void => {
      if (matchesFilter(e, filter)) {
        notices.push(e);
        poke();
      }
    };
    if (filter.kinds?.includes('log')) this.#notices.on('notice', onNotice);
    signal.addEventListener('abort', poke);
    let last = options.after;
    let replaying = true;
    try {
      while (!signal.aborted) {
        while (notices.length > 0) yield notices.shift() as TahoEvent;
        if (replaying) {
          const page = await this.#readThrough(last, filter, signal);
          last = page.last;
          for (const e of page.events) {
            if (signal.aborted) return;
            yield e;
          }
          if (page.scanned === 0) replaying = false;
          continue;
        }
        const b = batches.shift();
        if (b === null) return; // the store closed
        if (b === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        const newest = b.events.at(-1)?.id ?? b.from;
        if (newest <= last) continue;
        if (b.from > last) {
          replaying = true;
          continue;
        }
        for (const e of b.events) {
          if (e.id <= last || !matchesFilter(e, filter)) continue;
          if (signal.aborted) return;
          yield e;
        }
        last = newest;
      }
    } finally {
      signal.removeEventListener('abort', poke);
      this.#notices.off('notice', onNotice);
      off();
    }
  }

  async close(): Promise<void> {
    this.#tail.close();
  }

  /**
   * A follower's read: while Redis is unreachable it waits and tries again (the connection comes
   * back by itself) instead of ending the follow; an abort ends the wait with an empty page.
   */
  async #readThrough(after: number, filter: EventFilter, signal: AbortSignal): Promise<{ events: TahoEvent[]; last: number; scanned: number }> {
    for (let failures = 1; ; failures++) {
      try {
        return await this.#read(after, filter, PAGE);
      } catch (err) {
        if (!isTahoError(err, 'TAHO_STORE_UNREACHABLE') || signal.aborted) throw err;
        await sleep(Math.min(50 * 2 ** failures, 1000), undefined, { signal }).catch(() => undefined);
        if (signal.aborted) return { events: [], last: after, scanned: 0 };
      }
    }
  }

  /** Matching events after `after`, and the last id looked at (filtered ones included). */
  async #read(after: number, filter: EventFilter, limit: number): Promise<{ events: TahoEvent[]; last: number; scanned: number }> {
    const out: TahoEvent[] = [];
    let last = after;
    let scanned = 0;
    while (out.length < limit) {
      const entries = (await this.#conn.do((r) => r.xrange(EVENT_STREAM, `(${last}-0`, '+', 'COUNT', PAGE))) as Entry[];
      if (entries.length === 0) break;
      for (const e of fromEntries(entries)) {
        last = e.id;
        scanned += 1;
        if (matchesFilter(e, filter)) out.push(e);
        if (out.length >= limit) break;
      }
    }
    return { events: out, last, scanned };
  }
}
