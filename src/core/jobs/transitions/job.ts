import { ComputeState, DesiredState, TERMINAL_COMPUTE_STATES, shortId, type Job } from '../model.js';
import type { Rejection } from '../scheduler.js';
import type { JobDraft } from '../submit.js';
import { Plan, type Clock, type Snapshot } from './plan.js';

const unfinishedIds = (plan: Plan): string[] => plan.all().filter((e) => !TERMINAL_COMPUTE_STATES.has(e.ComputeState.StateType)).map((e) => e.ID);

function translatedNote(plan: Plan, translated: boolean): void {
  if (translated) plan.event('Submission', 'Job tasks translated to new type');
}

/** A job never seen before: Pending, waiting for `Count` executions. */
export function submitNew(draft: JobDraft, id: string, translated: boolean, clock: Clock): Plan {
  const job: Job = { ID: id, ...draft, Name: draft.Name || id, State: { StateType: 'Pending' }, Version: 1, Revision: 1, CreateTime: clock.ns, ModifyTime: clock.ns };
  const plan = new Plan({ job, executions: [] }, clock);
  plan.putVersion(job);
  plan.event('Submission', 'Job submitted', { Previous: 'Undefined', New: 'Pending' });
  plan.jobEvent();
  translatedNote(plan, translated);
  return plan.effect({ kind: 'enqueue', needed: Math.max(1, job.Count), started: false });
}

/** A changed spec under an existing job's name: a new version; the old version's executions stop. */
export function submitUpdate(s: Snapshot, draft: JobDraft, translated: boolean, clock: Clock): Plan {
  const plan = new Plan(s, clock);
  const existing = plan.job;
  const stopping = unfinishedIds(plan);
  if (stopping.length > 0) plan.effect({ kind: 'stop', executionIds: stopping });
  const job: Job = { ...existing, ...draft, ID: existing.ID, Version: existing.Version + 1, Revision: existing.Revision + 1, State: { StateType: 'Pending' }, ModifyTime: clock.ns };
  plan.putVersion(job);
  plan.event('Submission', 'Job updated', { Previous: existing.State.StateType, New: 'Pending' });
  plan.jobEvent();
  translatedNote(plan, translated);
  return plan.effect({ kind: 'enqueue', needed: Math.max(1, job.Count), started: false });
}

/** A finished job runs again as a new version of `base`'s spec (the current one or an older version). */
export function rerun(s: Snapshot, base: Job, reason: string | undefined, clock: Clock): Plan {
  const plan = new Plan(s, clock);
  const job = plan.job;
  const next: Job = { ...base, Version: job.Version + 1, Revision: job.Revision + 1, State: { StateType: 'Pending' }, CreateTime: job.CreateTime, ModifyTime: clock.ns };
  plan.putVersion(next);
  plan.event('Submission', 'Job rerun requested', { Previous: job.State.StateType, New: 'Pending' }, undefined, reason ? { description: reason } : undefined);
  plan.jobEvent();
  return plan.effect({ kind: 'enqueue', needed: Math.max(1, next.Count), started: false });
}

/** A user stops the job: its executions are cancelled and stopped wherever they run. */
export function stop(s: Snapshot, reason: string, clock: Clock): Plan {
  const plan = new Plan(s, clock);
  const why = reason || 'the job was stopped';
  const stopping = unfinishedIds(plan);
  for (const e of plan.all()) if (stopping.includes(e.ID)) plan.setExecution(e, ComputeState.Cancelled, why, DesiredState.Stopped);
  plan.effect({ kind: 'stop', executionIds: stopping }).effect({ kind: 'dequeue' });
  plan.event('Scheduling', 'Job requested to stop before completion', undefined, undefined, { description: reason });
  plan.setJob('Stopped', why);
  return plan;
}

/** No node took the job within its QueueTimeout. */
export function queueTimeout(s: Snapshot, qt: number, clock: Clock): Plan {
  const plan = new Plan(s, clock).effect({ kind: 'dequeue' });
  plan.event('Job Timeout', `the job waited longer than its QueueTimeout of ${qt}s`);
  plan.setJob('Failed', `no node took the job within its QueueTimeout of ${qt}s`);
  return plan;
}

/** Past TotalTimeout: executions stop, the job fails with a "Job Timeout" event (never shown as Stopped). */
export function totalTimeout(s: Snapshot, tt: number, clock: Clock): Plan {
  const why = `the job ran past its TotalTimeout of ${tt}s`;
  const plan = new Plan(s, clock).effect({ kind: 'dequeue' });
  const stopping = plan.all().filter((e) => !TERMINAL_COMPUTE_STATES.has(e.ComputeState.StateType));
  plan.effect({ kind: 'stop', executionIds: stopping.map((e) => e.ID) });
  for (const e of stopping) plan.setExecution(e, ComputeState.Failed, why, DesiredState.Stopped);
  plan.event('Job Timeout', why);
  plan.setJob('Failed', why);
  return plan;
}

export interface WaitOptions {
  /** An execution of this version was launched: a refusal no longer means "never ran". */
  readonly started: boolean;
  /** In a cluster a node that can run it may join later: the job waits instead of failing. */
  readonly nodesMayJoin: boolean;
}

/** The reasons of every node, in one line ("node n-1234abcd: its labels do not match gpu=true; …"). */
export function rejectionText(rejections: readonly Rejection[]): string {
  return rejections.map((r) => `node ${shortId(r.nodeId)}: ${r.reason}`).join('; ') || 'there are no compute nodes';
}

/**
 * Why no node takes a job, in one line: a reason every node gives is said once ("no node has
 * label gpu=true; 3 nodes seen"), otherwise each node's.
 */
export function noNodeSummary(verdicts: readonly { readonly nodeId: string; readonly reason: string }[]): string {
  if (verdicts.length === 0) return 'there are no compute nodes';
  const seen = `${verdicts.length} node${verdicts.length === 1 ? '' : 's'} seen`;
  const reasons = [...new Set(verdicts.map((v) => v.reason))];
  if (reasons.length === 1) {
    const label = /^its labels do not match (.*)$/.exec(reasons[0] as string);
    return label ? `no node has label ${label[1]}; ${seen}` : `no node can take it now: ${reasons[0]}; ${seen}`;
  }
  return `no node can take it now (${seen}): ${verdicts.map((v) => `${shortId(v.nodeId)}: ${v.reason}`).join('; ')}`;
}

/** No node can take the job now: it waits (Queued, once), or fails when no node ever could. */
export function wait(s: Snapshot, rejections: readonly Rejection[], o: WaitOptions, clock: Clock): { plan: Plan; failed: boolean } {
  const plan = new Plan(s, clock);
  const reasons = rejectionText(rejections);
  const hasQueueTimeout = (plan.job.Tasks[0]?.Timeouts?.QueueTimeout ?? 0) > 0;
  if (!o.started && !hasQueueTimeout && !o.nodesMayJoin && rejections.every((r) => r.kind === 'never')) {
    plan.effect({ kind: 'dequeue' });
    plan.event('Scheduling', `no node can run this job: ${reasons}`);
    plan.setJob('Failed', `no node can run this job: ${reasons}`);
    return { plan, failed: true };
  }
  if (plan.job.State.StateType === 'Pending') {
    plan.event('Queueing', 'Job queued', undefined, undefined, { description: reasons });
    plan.setJob('Queued', `waiting for a node: ${reasons}`);
  }
  return { plan, failed: false };
}
