import type { TahoEvent } from '../client/contract.js';
import { bucketize } from './sparkline.js';

/** The part of an event the metrics strip needs, with the time it counts at (epoch ms). */
export interface EventMark {
  readonly id: number;
  readonly at: number;
  readonly kind: TahoEvent['kind'];
  readonly type: string;
  readonly taskCompleted: boolean;
  readonly error: boolean;
}

/** The metrics strip's window. */
export const WINDOW_MS = 60_000;

/** An event whose type says something failed: `failed`, `Failed`, `error`, `task.failed`, `round_error`. */
export function isErrorType(type: string): boolean {
  return /(failed|error)$/i.test(type);
}

/** A town event saying a task completed (`completed`, `task.completed`, `task_completed`). */
export function isTaskCompleted(e: Pick<TahoEvent, 'kind' | 'type' | 'data'>): boolean {
  if (e.kind !== 'town') return false;
  if (/^task[._:]completed$/i.test(e.type)) return true;
  return /^completed$/i.test(e.type) && ('task_id' in e.data || e.data['kind'] === 'task');
}

export function markOf(e: TahoEvent, now: number): EventMark {
  const t = Date.parse(e.at);
  // Events replayed after a reconnect count when they happened; a skewed clock never puts one in the future.
  const at = Number.isNaN(t) ? now : Math.min(t, now);
  return { id: e.id, at, kind: e.kind, type: e.type, taskCompleted: isTaskCompleted(e), error: isErrorType(e.type) };
}

/** Marks still inside the window (what the state keeps). */
export function prune(marks: readonly EventMark[], now: number, windowMs = WINDOW_MS): EventMark[] {
  const start = now - windowMs;
  return marks.filter((m) => m.at > start);
}

export interface Metric {
  readonly label: string;
  /** The value over the whole window, formatted. */
  readonly value: string;
  /** Counts per bucket, oldest first, for the sparkline. */
  readonly series: number[];
}

/** events/s, tasks completed/min, jobs/s and errors over the last minute, with their series. */
export function metrics(marks: readonly EventMark[], now: number, buckets: number, windowMs = WINDOW_MS): Metric[] {
  const secs = windowMs / 1000;
  const inWindow = prune(marks, now, windowMs);
  const of = (pick: (m: EventMark) => boolean) => inWindow.filter(pick).map((m) => m.at);
  const all = of(() => true);
  const tasks = of((m) => m.taskCompleted);
  const jobs = of((m) => m.kind === 'job');
  const errors = of((m) => m.error);
  const rate = (n: number, per: number) => {
    const v = (n / secs) * per;
    return v === 0 ? '0' : v < 10 ? v.toFixed(1) : String(Math.round(v));
  };
  return [
    { label: 'events/s', value: rate(all.length, 1), series: bucketize(all, now, windowMs, buckets) },
    { label: 'tasks done/min', value: rate(tasks.length, 60), series: bucketize(tasks, now, windowMs, buckets) },
    { label: 'jobs/s', value: rate(jobs.length, 1), series: bucketize(jobs, now, windowMs, buckets) },
    { label: 'errors', value: String(errors.length), series: bucketize(errors, now, windowMs, buckets) },
  ];
}
