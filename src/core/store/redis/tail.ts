import type { TahoEvent } from '../ports/events.js';
import type { RedisConn } from './connection.js';
import { fromEntries } from './codec.js';
import { EVENT_COUNTER, EVENT_STREAM } from './keys.js';

/** Every stored event with `from` < id ≤ the last one of `events`, in id order. */
export interface Batch {
  readonly from: number;
  readonly events: readonly TahoEvent[];
}

type Listener = (b: Batch | null) => void;

/**
 * One blocking XREAD loop per store (per process), fanned out to its followers: the way news
 * arrives from every node without anyone polling. It starts with the first follower and runs
 * until the store closes. When Redis goes away the read fails and is tried again from the same
 * id, so a batch never skips an event; followers fill any gap from the stream themselves.
 */
export class Tail {
  readonly #conn: RedisConn;
  readonly #listeners = new Set<Listener>();
  #running = false;
  #closed = false;

  constructor(conn: RedisConn) {
    this.#conn = conn;
  }

  subscribe(fn: Listener): () => void {
    this.#listeners.add(fn);
    if (!this.#running && !this.#closed) {
      this.#running = true;
      void this.#loop();
    }
    return () => this.#listeners.delete(fn);
  }

  close(): void {
    this.#closed = true;
    for (const fn of this.#listeners) fn(null);
    this.#listeners.clear();
  }

  async #loop(): Promise<void> {
    const redis = this.#conn.blocking();
    let from: number | undefined;
    let failures = 0;
    while (!this.#closed) {
      try {
        if (from === undefined) {
          // Where the tail starts: everything up to the counter is in the stream already (both move
          // in one script), so batches from there on are complete. Followers hear the start as an
          // empty batch: one whose replay ended before it reads the events in between itself.
          from = Number((await redis.get(EVENT_COUNTER)) ?? 0);
          for (const fn of this.#listeners) fn({ from, events: [] });
        }
        const res = (await redis.xread('COUNT', 1000, 'BLOCK', 0, 'STREAMS', EVENT_STREAM, `${from}-0`)) as [string, [string, string[]][]][] | null;
        failures = 0;
        const entries = res?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        const batch: Batch = { from, events: fromEntries(entries) };
        from = batch.events.at(-1)?.id ?? from;
        for (const fn of this.#listeners) fn(batch);
      } catch {
        if (this.#closed) return;
        // Redis is away; ioredis reconnects. Back off so a long outage costs no busy loop.
        failures += 1;
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** failures, 1000)));
      }
    }
  }
}
