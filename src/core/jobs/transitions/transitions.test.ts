import { describe, expect, it } from 'vitest';
import { ComputeState, type Execution, type Job } from '../model.js';
import { finish, launch, type ExecutionReport } from './execution.js';
import { interrupt } from './interrupt.js';
import { noNodeSummary, stop, submitNew, wait } from './job.js';
import { rejectionOf } from '../scheduler.js';
import type { NodeSnapshot } from '../compute.js';
import type { Clock, Snapshot } from './plan.js';

const clock: Clock = { ns: 1_700_000_000_000_000_000, iso: '2023-11-14T22:13:20.000Z' };
const draft = {
  Name: 'sum', Namespace: 'default', Type: 'batch' as const, Priority: 0, Count: 2, Constraints: [], Meta: {}, Labels: {},
  Tasks: [{ Name: 'main', Engine: { Type: 'wasm' }, Publisher: { Type: 'local' } }],
};
const ok: ExecutionReport = { exitCode: 0, output: { Stdout: 'hi', StdoutTruncated: false, stderr: '', StderrTruncated: false }, resultsUrl: 'file:///n/e' };

/** A submitted job with `n` executions launched on nodes a, b, …; the plans' writes applied in memory. */
function running(n: number): Snapshot {
  let job: Job = submitNew(draft, 'j-1', false, clock).job;
  const executions: Execution[] = [];
  for (let i = 0; i < n; i++) {
    const { plan, execution } = launch({ job, executions }, { execution: `e-${i}`, evaluation: `v-${i}` }, `n-${'ab'[i]}`, clock);
    job = plan.job;
    executions.push(execution);
  }
  return { job, executions };
}

const applied = (s: Snapshot, plan: { job: Job; all(): Execution[] }): Snapshot => ({ job: plan.job, executions: plan.all() });

describe('job transitions', () => {
  it('submits Pending with an enqueue effect, launches Running with history', () => {
    const plan = submitNew(draft, 'j-1', true, clock);
    expect(plan.job.State.StateType).toBe('Pending');
    expect(plan.effects).toEqual([{ kind: 'enqueue', needed: 2, started: false }]);
    expect(plan.history.map((h) => h.Event.Message)).toEqual(['Job submitted', 'Job tasks translated to new type']);
    const s = running(1);
    expect(s.job.State.StateType).toBe('Running');
    expect(s.executions[0]?.ComputeState.StateType).toBe(ComputeState.Running);
  });

  it('completes the job only when Count executions completed; a failure fails it and stops the rest', () => {
    const s = running(2);
    const first = finish(s, 'e-0', ok, { timeoutS: 30, stillQueued: false }, clock);
    expect(first.job.State.StateType).toBe('Running');
    expect(first.execution('e-0')?.PublishedResult).toEqual({ Type: 'local', Params: { URL: 'file:///n/e' } });
    const second = finish(applied(s, first), 'e-1', ok, { timeoutS: 30, stillQueued: false }, clock);
    expect(second.job.State.StateType).toBe('Completed');
    const failed = finish(s, 'e-0', { ...ok, exitCode: 3 }, { timeoutS: 30, stillQueued: false }, clock);
    expect(failed.job.State).toEqual({ StateType: 'Failed', Message: 'exited with code 3' });
    expect(failed.effects).toContainEqual({ kind: 'stop', executionIds: ['e-1'] });
    // A report for an execution that already ended (stopped meanwhile) changes nothing.
    expect(finish(applied(s, failed), 'e-0', ok, { timeoutS: 30, stillQueued: false }, clock).empty).toBe(true);
  });

  it('a lost node: its execution fails with the reason and the job is re-queued for one more, the other keeps running', () => {
    const s = running(2);
    const { plan, outcome } = interrupt(s, { why: 'node n-a was lost', executionIds: new Set(['e-0']), maxAttempts: 2 }, clock);
    expect(outcome).toBe('requeued');
    expect(plan.execution('e-0')?.ComputeState).toEqual({ StateType: ComputeState.Failed, Message: 'node n-a was lost' });
    expect(plan.execution('e-1')?.ComputeState.StateType).toBe(ComputeState.Running);
    expect(plan.effects).toEqual([{ kind: 'enqueue', needed: 1, started: true }]);
    expect(plan.job.State.StateType).toBe('Queued');
    // Out of attempts: the job fails and its other execution is cancelled and stopped.
    const last = interrupt(s, { why: 'node n-a was lost', executionIds: new Set(['e-0']), maxAttempts: 1 }, clock);
    expect(last.outcome).toBe('failed');
    expect(last.plan.execution('e-1')?.ComputeState.StateType).toBe(ComputeState.Cancelled);
    expect(last.plan.effects).toContainEqual({ kind: 'stop', executionIds: ['e-1'] });
    expect(last.plan.job.State.Message).toContain('no attempts left');
  });

  it('no node can run it: fails on one machine, waits Queued in a cluster (a node may join)', () => {
    const s: Snapshot = { job: submitNew(draft, 'j-1', false, clock).job, executions: [] };
    const never = [{ nodeId: 'n-aaaaaaaa-1', kind: 'never' as const, reason: 'its labels do not match gpu=true' }];
    expect(wait(s, never, { started: false, nodesMayJoin: false }, clock).plan.job.State.StateType).toBe('Failed');
    const queued = wait(s, never, { started: false, nodesMayJoin: true }, clock);
    expect(queued.failed).toBe(false);
    expect(noNodeSummary([1, 2, 3].map((i) => ({ nodeId: `n-${i}`, reason: 'its labels do not match gpu=true' })))).toBe('no node has label gpu=true; 3 nodes seen');
    expect(queued.plan.job.State).toEqual({ StateType: 'Queued', Message: 'waiting for a node: node n-aaaaaaaa: its labels do not match gpu=true' });
    // A node that missed heartbeats lacks the label all the same: the summary stays one line.
    const node = (id: string, connected: boolean): NodeSnapshot => ({ id, labels: {}, engines: ['wasm'], max: { CPU: 2, Memory: 1 << 30, Disk: 0, GPU: 0 }, available: { CPU: 2, Memory: 1 << 30, Disk: 0, GPU: 0 }, slots: 2, running: 0, connected });
    const gpuJob = { ...draft, Constraints: [{ Key: 'gpu', Operator: '=', Values: ['true'] }] } as unknown as Job;
    const verdicts = [node('n-1', false), node('n-2', true), node('n-3', true)].map((n) => rejectionOf(gpuJob, n));
    expect(noNodeSummary(verdicts.map((v) => ({ nodeId: v?.nodeId ?? '', reason: v?.reason ?? '' })))).toBe('no node has label gpu=true; 3 nodes seen');
    expect(rejectionOf(draft as unknown as Job, node('n-4', false))).toMatchObject({ kind: 'busy', reason: 'the node is disconnected' });
  });

  it('stop cancels every unfinished execution and stops it', () => {
    const plan = stop(running(2), '', clock);
    expect(plan.job.State.StateType).toBe('Stopped');
    expect(plan.all().map((e) => e.ComputeState.StateType)).toEqual([ComputeState.Cancelled, ComputeState.Cancelled]);
    expect(plan.effects[0]).toEqual({ kind: 'stop', executionIds: ['e-0', 'e-1'] });
  });
});
