import type { JobStore, JobWrite } from '../store/ports/jobs.js';
import type { Fence, NewEvent } from '../store/ports/index.js';
import type { Execution, Job, JobHistory } from './model.js';

/**
 * One change of the jobs family being put together: reads see the draft's own puts, and the
 * whole draft is committed as one JobWrite (state, history and events together).
 */
export class JobChange {
  readonly #store: JobStore;
  readonly #jobs: { job: Job; newVersion?: boolean }[] = [];
  readonly #executions: Execution[] = [];
  readonly #history: Omit<JobHistory, 'SeqNum'>[] = [];
  readonly #events: NewEvent[] = [];
  readonly #deleted: string[] = [];
  readonly #job = new Map<string, Job>();
  readonly #execution = new Map<string, Execution>();
  #key: { key: string; jobId: string } | undefined;

  constructor(store: JobStore) {
    this.#store = store;
  }

  async job(id: string): Promise<Job | undefined> {
    return this.#job.get(id) ?? this.#store.job(id);
  }

  async execution(id: string): Promise<Execution | undefined> {
    return this.#execution.get(id) ?? this.#store.execution(id);
  }

  /** The job's executions, oldest first, as this draft leaves them. */
  async executions(jobId: string): Promise<Execution[]> {
    const stored = await this.#store.executions(jobId);
    const seen = new Set(stored.map((e) => e.ID));
    const added = [...this.#execution.values()].filter((e) => e.JobID === jobId && !seen.has(e.ID));
    return [...stored.map((e) => this.#execution.get(e.ID) ?? e), ...added];
  }

  putJob(job: Job, newVersion = false): void {
    this.#jobs.push({ job, newVersion });
    this.#job.set(job.ID, job);
  }

  putExecution(e: Execution): void {
    this.#executions.push(e);
    this.#execution.set(e.ID, e);
  }

  addHistory(h: Omit<JobHistory, 'SeqNum'>): void {
    this.#history.push(h);
  }

  event(e: NewEvent): void {
    this.#events.push(e);
  }

  bindKey(key: string, jobId: string): void {
    this.#key = { key, jobId };
  }

  deleteJob(id: string): void {
    this.#deleted.push(id);
  }

  get empty(): boolean {
    return this.#jobs.length + this.#executions.length + this.#history.length + this.#events.length + this.#deleted.length === 0 && this.#key === undefined;
  }

  write(fence: Fence | undefined): JobWrite {
    return {
      jobs: this.#jobs, executions: this.#executions, history: this.#history, events: this.#events,
      ...(this.#deleted.length > 0 ? { deleteJobs: this.#deleted } : {}),
      ...(this.#key ? { idempotencyKey: this.#key } : {}),
      ...(fence ? { fence } : {}),
    };
  }
}
