/**
 * The event log port: one ordered log of every family's state changes. Adapters implement it
 * beside the family ports, because an event is written in the same atomic write as the change it
 * reports (outbox): an event exists if and only if its change does.
 */

export type EventKind = 'town' | 'job' | 'agent' | 'service' | 'log';
export const EVENT_KINDS: readonly EventKind[] = ['town', 'job', 'agent', 'service', 'log'];

/** An event as a write hands it to the store; the store gives it its id and time. */
export interface NewEvent {
  readonly kind: EventKind;
  readonly type: string;
  /** What it is about: `j-…` for a job, `domain/service/agent` for a durable agent, a task or agent id in the town. */
  readonly subject: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * A stored event. `id` only grows, across restarts and across every family, and is assigned at
 * commit: an event with a smaller id was committed before (so a reader that saw id N and reads
 * `afterId = N` later never misses one). `log` notices (a log grew) are live only: id 0, never
 * stored, never replayed.
 */
export interface TahoEvent extends NewEvent {
  readonly id: number;
  /** RFC 3339. */
  readonly at: string;
}

export interface EventFilter {
  /** Empty or absent: every stored kind. `log` notices reach only a filter that names `log`. */
  readonly kinds?: readonly EventKind[] | undefined;
  readonly subject?: string | undefined;
}

export interface FollowOptions extends EventFilter {
  /** Replay events with id > `after` first (0: from the oldest kept), then live ones. */
  readonly after: number;
  /** Stops the follow: the iterator returns. */
  readonly signal: AbortSignal;
}

export interface EventLog {
  /**
   * Events that belong to no family write (a service reloaded). Family changes never use this:
   * their events go in the family's own write (agents.append, jobs.commit, town.apply).
   */
  append(events: readonly NewEvent[]): Promise<TahoEvent[]>;
  /** Stored events with id > `afterId`, oldest first, at most `limit` matching ones. */
  read(afterId: number, filter?: EventFilter, limit?: number): Promise<TahoEvent[]>;
  /** The newest stored id (0: none). */
  lastId(): Promise<number>;
  /**
   * Drops stored events with id < `beforeId` (retention); ids are never reused, so a reader
   * resuming after a dropped id gets what is left after it. Resolves how many were dropped.
   */
  trim(beforeId: number): Promise<number>;
  /**
   * THE follow primitive: every stored event with id > `after` that matches, in id order, exactly
   * once — first what is stored, then what is committed later (by this process or another one
   * writing the same store) — until `signal` aborts. There is no gap and no duplicate at the seam
   * between replay and live because live delivery is only a wake-up: the follower always reads
   * "after the last id I yielded" from the log itself. `log` notices of this process are
   * interleaved as they happen when the filter names `log`.
   */
  follow(options: FollowOptions): AsyncIterable<TahoEvent>;
  /** A live-only notice (a log grew) to this process's followers: never stored. */
  notify(event: NewEvent): void;
}

export function matchesFilter(e: TahoEvent, filter: EventFilter): boolean {
  if (e.id === 0 ? !filter.kinds?.includes(e.kind) : filter.kinds && filter.kinds.length > 0 && !filter.kinds.includes(e.kind)) return false;
  if (filter.subject && e.subject !== filter.subject) return false;
  return true;
}
