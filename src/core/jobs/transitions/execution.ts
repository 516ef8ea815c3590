import { ComputeState, DesiredState, TERMINAL_COMPUTE_STATES, shortId, type Execution, type RunOutput } from '../model.js';
import { Plan, type Clock, type Snapshot } from './plan.js';

/** How an execution ended, as its node reports it (its output read there: the files stay on that node). */
export interface ExecutionReport {
  readonly exitCode: number;
  readonly error?: string | undefined;
  readonly stoppedBy?: 'timeout' | 'stop' | undefined;
  readonly output: Omit<RunOutput, 'ExitCode' | 'ErrorMsg'>;
  /** Where its files are on its node (`file://…`). */
  readonly resultsUrl: string;
}

/** A new execution of the job's current version, placed on `nodeId`: its bid is accepted and it runs at once. */
export function launch(s: Snapshot, ids: { readonly execution: string; readonly evaluation: string }, nodeId: string, clock: Clock): { plan: Plan; execution: Execution } {
  const plan = new Plan(s, clock);
  const job = plan.job;
  const execution: Execution = {
    ID: ids.execution, Namespace: job.Namespace, EvalID: ids.evaluation, Name: job.Name, NodeID: nodeId, JobID: job.ID,
    JobVersion: job.Version, AllocatedResources: { Tasks: { [job.Tasks[0]?.Name ?? 'main']: job.Tasks[0]?.Resources ?? {} } },
    DesiredState: { StateType: DesiredState.Running, Message: 'execution is running' },
    ComputeState: { StateType: ComputeState.BidAccepted, Message: '' },
    PublishedResult: null, RunOutput: null, PreviousExecution: '', NextExecution: '', FollowupEvalID: '',
    Revision: 1, CreateTime: clock.ns, ModifyTime: clock.ns,
  };
  plan.putExecution(execution);
  plan.event('Scheduling', `Requested execution on ${shortId(nodeId)}`, undefined, execution);
  const running = plan.setExecution(execution, ComputeState.Running, 'Running');
  if (plan.job.State.StateType !== 'Running') plan.setJob('Running');
  return { plan, execution: running };
}

/**
 * An execution ended. A failure fails the job and stops its other executions; the job completes
 * when `Count` executions of its version completed and none is still to be placed.
 */
export function finish(s: Snapshot, executionId: string, report: ExecutionReport, o: { readonly timeoutS: number; readonly stillQueued: boolean }, clock: Clock): Plan {
  const plan = new Plan(s, clock);
  const job = plan.job;
  const e = plan.execution(executionId);
  if (!e || TERMINAL_COMPUTE_STATES.has(e.ComputeState.StateType)) return plan; // stopped meanwhile
  const ok = report.exitCode === 0 && !report.stoppedBy && !report.error;
  let message: string;
  if (report.stoppedBy === 'timeout') message = `execution timed out after ${o.timeoutS}s and was stopped`;
  else if (ok) message = 'Completed successfully';
  else message = report.error ?? `exited with code ${report.exitCode}`;
  const published = ok && job.Tasks[0]?.Publisher?.Type === 'local' ? { Type: 'local', Params: { URL: report.resultsUrl } } : null;
  const updated: Execution = { ...e, RunOutput: { ...report.output, ExitCode: report.exitCode, ErrorMsg: report.error ?? '' }, PublishedResult: published };
  if (report.stoppedBy === 'timeout') plan.event('Exec Timeout', message, undefined, updated);
  plan.setExecution(updated, ok ? ComputeState.Completed : ComputeState.Failed, message, DesiredState.Stopped);
  if (e.JobVersion !== job.Version) return plan;
  const all = plan.current();
  if (!ok) {
    const others = all.filter((x) => x.ID !== executionId && !TERMINAL_COMPUTE_STATES.has(x.ComputeState.StateType)).map((x) => x.ID);
    if (others.length > 0) plan.effect({ kind: 'stop', executionIds: others });
    plan.effect({ kind: 'dequeue' });
    plan.event('Scheduling', 'Job failed because one or more executions failed', undefined, undefined, { description: message });
    plan.setJob('Failed', message);
    return plan;
  }
  const done = all.filter((x) => x.ComputeState.StateType === ComputeState.Completed).length;
  if (done >= Math.max(1, job.Count) && !o.stillQueued) plan.setJob('Completed');
  return plan;
}
