import type { TahoEvent } from '../client/contract.js';
import { bucketize } from './sparkline.js';
import { latency } from './format.js';

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
  /** Counts per bucket, oldest first, for the sparkline; none for a value without one (latency). */
  readonly series: number[] | undefined;
}

/** What the server counts itself (`/v1/stats`): calls per second over the window, oldest first. */
export interface ServerCounts {
  readonly windowS: number;
  readonly perSecond: readonly number[];
  readonly errorsPerSecond: readonly number[];
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

/** Sums consecutive values into `buckets` groups (the last group ends at the newest value). */
export function regroup(values: readonly number[], buckets: number): number[] {
  const out = new Array<number>(Math.max(0, buckets)).fill(0);
  if (buckets <= 0 || values.length === 0) return out;
  values.forEach((v, i) => {
    const b = Math.min(buckets - 1, Math.floor((i * buckets) / values.length));
    out[b] = (out[b] ?? 0) + v;
  });
  return out;
}

/**
 * invocations/s, tasks completed/min, jobs/s, p50/p99 invoke latency and errors over the last
 * minute. Invocations and their latency come from the server's own counts when it has them
 * (services are not on the event stream); without them, from durable agents' events.
 */
export function metrics(marks: readonly EventMark[], now: number, buckets: number, windowMs = WINDOW_MS, server?: ServerCounts): Metric[] {
  const secs = windowMs / 1000;
  const inWindow = prune(marks, now, windowMs);
  const of = (pick: (m: EventMark) => boolean) => inWindow.filter(pick).map((m) => m.at);
  const tasks = of((m) => m.taskCompleted);
  const jobs = of((m) => m.kind === 'job');
  const errors = of((m) => m.error);
  const rate = (n: number, per: number) => {
    const v = (n / secs) * per;
    return v === 0 ? '0' : v < 10 ? v.toFixed(1) : String(Math.round(v));
  };
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  let invocations: Metric;
  let errorSeries = bucketize(errors, now, windowMs, buckets);
  let errorCount = errors.length;
  if (server) {
    invocations = { label: 'invocations/s', value: rate(sum(server.perSecond), 1), series: regroup(server.perSecond, buckets) };
    // Failed invocations of durable agents are also `failed` events: count the server's for services only once.
    const serverErrors = regroup(server.errorsPerSecond, buckets);
    const agentFailures = bucketize(of((m) => m.error && m.kind === 'agent'), now, windowMs, buckets);
    errorSeries = errorSeries.map((v, i) => v - (agentFailures[i] ?? 0) + (serverErrors[i] ?? 0));
    errorCount = errors.length - sum(agentFailures) + sum(server.errorsPerSecond);
  } else {
    const calls = of((m) => m.kind === 'agent' && (m.type === 'invoked' || m.type === 'failed'));
    invocations = { label: 'invocations/s', value: rate(calls.length, 1), series: bucketize(calls, now, windowMs, buckets) };
  }
  const p50p99 = server?.p50Ms === undefined || server.p99Ms === undefined ? '-' : `${latency(server.p50Ms).replace(/ ms$/, '')}/${latency(server.p99Ms)}`;
  return [
    invocations,
    { label: 'tasks done/min', value: rate(tasks.length, 60), series: bucketize(tasks, now, windowMs, buckets) },
    { label: 'jobs/s', value: rate(jobs.length, 1), series: bucketize(jobs, now, windowMs, buckets) },
    { label: 'p50/p99', value: p50p99, series: undefined },
    { label: 'errors', value: String(Math.max(0, errorCount)), series: errorSeries.map((v) => Math.max(0, v)) },
  ];
}
