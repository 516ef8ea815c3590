import { ComputeState, DesiredState, TERMINAL_COMPUTE_STATES } from '../model.js';
import { Plan, type Clock, type Snapshot } from './plan.js';

export interface Interruption {
  /** Why the executions ended, as history tells it ("the server stopped while it ran"). */
  readonly why: string;
  /** Which unfinished executions were lost; absent: all of the job's. */
  readonly executionIds?: ReadonlySet<string> | undefined;
  /** Executions a job may have per `Count` before an interruption fails it. */
  readonly maxAttempts: number;
}

/**
 * Executions that ended without an outcome (their server stopped, their node died): each fails
 * with the reason, and the job waits to be placed again while it has attempts left, or fails.
 * A job with nothing interrupted that is not Running just waits for the executions it lacks.
 */
export function interrupt(s: Snapshot, o: Interruption, clock: Clock): { plan: Plan; outcome: 'requeued' | 'failed' | 'waiting' | 'none' } {
  const plan = new Plan(s, clock);
  const job = plan.job;
  const mine = plan.current();
  const unfinished = mine.filter((e) => !TERMINAL_COMPUTE_STATES.has(e.ComputeState.StateType));
  const lost = o.executionIds ? unfinished.filter((e) => o.executionIds?.has(e.ID)) : unfinished;
  const completed = mine.filter((e) => e.ComputeState.StateType === ComputeState.Completed).length;
  const count = Math.max(1, job.Count);
  if (o.executionIds && lost.length === 0) return { plan, outcome: 'none' };
  if (!o.executionIds && lost.length === 0 && job.State.StateType !== 'Running') {
    plan.effect({ kind: 'enqueue', needed: count - completed, started: false });
    return { plan, outcome: 'waiting' };
  }
  for (const e of lost) plan.setExecution(e, ComputeState.Failed, o.why, DesiredState.Stopped);
  if (mine.length < o.maxAttempts * count) {
    const stillRunning = unfinished.length - lost.length;
    plan.event('Scheduling', `Job re-queued: ${o.why}`);
    plan.setJob('Queued', `re-queued: ${o.why}`);
    plan.effect({ kind: 'enqueue', needed: count - completed - stillRunning, started: true });
    return { plan, outcome: 'requeued' };
  }
  const others = unfinished.filter((e) => !lost.includes(e)).map((e) => e.ID);
  for (const e of unfinished) if (!lost.includes(e)) plan.setExecution(e, ComputeState.Cancelled, `${o.why}; the job has no attempts left`, DesiredState.Stopped);
  if (others.length > 0) plan.effect({ kind: 'stop', executionIds: others });
  plan.effect({ kind: 'dequeue' });
  plan.event('Scheduling', `Job failed: ${o.why}, and it has no attempts left`);
  plan.setJob('Failed', `${o.why}; no attempts left ([jobs] max_attempts = ${o.maxAttempts})`);
  return { plan, outcome: 'failed' };
}
