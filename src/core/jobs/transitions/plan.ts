import type { NewEvent } from '../../store/ports/events.js';
import type { Execution, Job, JobHistory, JobStateType } from '../model.js';
import { DesiredState, nowNs } from '../model.js';

/** The time a decision is made at: passed in, so the same inputs give the same plan. */
export interface Clock {
  readonly ns: number;
  readonly iso: string;
}

export function clockNow(): Clock {
  const ns = nowNs();
  return { ns, iso: new Date(Math.floor(ns / 1e6)).toISOString() };
}

/** A job as the store has it, with its executions (every version, oldest first). */
export interface Snapshot {
  readonly job: Job;
  readonly executions: readonly Execution[];
}

/** What the orchestrator does besides writing, once the plan's write has committed. */
export type Effect =
  /** Stop these executions wherever they run. */
  | { readonly kind: 'stop'; readonly executionIds: readonly string[] }
  /** The job leaves the queue of jobs waiting for placement. */
  | { readonly kind: 'dequeue' }
  /** The job (as the plan leaves it) waits for `needed` more executions. */
  | { readonly kind: 'enqueue'; readonly needed: number; readonly started: boolean };

/**
 * The next state of one job, being decided: reads see the plan's own changes, and what it
 * collects (puts, history, events, effects) is written as one change by the orchestrator. No
 * I/O, no clock of its own.
 */
export class Plan {
  #job: Job;
  readonly #executions: Map<string, Execution>;
  readonly clock: Clock;
  readonly jobs: { job: Job; newVersion?: boolean }[] = [];
  readonly executions: Execution[] = [];
  readonly history: Omit<JobHistory, 'SeqNum'>[] = [];
  readonly events: NewEvent[] = [];
  readonly effects: Effect[] = [];

  constructor(snapshot: Snapshot, clock: Clock) {
    this.#job = snapshot.job;
    this.#executions = new Map(snapshot.executions.map((e) => [e.ID, e]));
    this.clock = clock;
  }

  get job(): Job {
    return this.#job;
  }

  execution(id: string): Execution | undefined {
    return this.#executions.get(id);
  }

  /** Every version's executions, as the plan leaves them. */
  all(): Execution[] {
    return [...this.#executions.values()];
  }

  /** The executions of the job's current version, as the plan leaves them. */
  current(): Execution[] {
    return [...this.#executions.values()].filter((e) => e.JobVersion === this.#job.Version);
  }

  get empty(): boolean {
    return this.jobs.length + this.executions.length + this.history.length + this.events.length + this.effects.length === 0;
  }

  effect(e: Effect): this {
    this.effects.push(e);
    return this;
  }

  /** A new job or a new version of it (submission, rerun). */
  putVersion(job: Job): void {
    this.#job = job;
    this.jobs.push({ job, newVersion: true });
  }

  setJob(state: JobStateType, message?: string): void {
    const current = this.#job;
    const next: Job = { ...current, State: { StateType: state, ...(message ? { Message: message } : {}) }, Revision: current.Revision + 1, ModifyTime: this.clock.ns };
    this.#job = next;
    this.jobs.push({ job: next });
    if (current.State.StateType !== state) this.event('State Update', state, { Previous: current.State.StateType, New: state });
    this.jobEvent();
  }

  /** The job's event on the one stream (what the dashboard and job waits follow). */
  jobEvent(): void {
    const j = this.#job;
    this.events.push({ kind: 'job', type: j.State.StateType, subject: j.ID, data: { name: j.Name, state: j.State.StateType, message: j.State.Message ?? '', version: j.Version } });
  }

  putExecution(e: Execution): void {
    this.#executions.set(e.ID, e);
    this.executions.push(e);
  }

  /** `e` may carry new fields (its output); its revision follows the plan's latest copy. */
  setExecution(e: Execution, state: number, message: string, desired?: number): Execution {
    const current = this.#executions.get(e.ID) ?? e;
    const next: Execution = {
      ...e, ComputeState: { StateType: state as Execution['ComputeState']['StateType'], Message: message },
      ...(desired === undefined ? {} : { DesiredState: { StateType: desired as Execution['DesiredState']['StateType'], Message: desired === DesiredState.Stopped ? 'execution stopped' : '' } }),
      Revision: current.Revision + 1, ModifyTime: this.clock.ns,
    };
    this.putExecution(next);
    this.history.push({
      Type: 'ExecutionLevel', JobID: this.#job.ID, JobVersion: e.JobVersion, ExecutionID: e.ID,
      Event: { Message: message, Topic: 'Execution', Timestamp: this.clock.iso },
      Time: this.clock.iso, ExecutionState: { Previous: current.ComputeState.StateType, New: state },
    });
    return next;
  }

  event(topic: string, message: string, jobState?: JobHistory['JobState'], execution?: Execution, details?: Record<string, string>): void {
    const at = this.clock.iso;
    this.history.push({
      Type: execution ? 'ExecutionLevel' : 'JobLevel', JobID: this.#job.ID, JobVersion: this.#job.Version,
      ...(execution ? { ExecutionID: execution.ID } : {}),
      Event: { Message: message, Topic: topic, Timestamp: at, ...(details ? { Details: details } : {}) },
      Time: at, ...(jobState ? { JobState: jobState } : {}),
    });
  }
}
