import type { Execution, Job, JobHistory } from '../../jobs/model.js';
import type { NewEvent, TahoEvent } from './events.js';
import type { Fence } from './leases.js';

/**
 * One atomic change of the jobs family: everything in it is committed together or nothing is
 * (a killed server leaves the old or the new state, never half), together with its history
 * entries and its events (outbox). Items apply in the order given, so a write may put an
 * execution at Revision 1 and then at Revision 2.
 */
export interface JobWrite {
  /** `newVersion`: a submission or rerun, also kept as version `job.Version`. */
  readonly jobs?: readonly { readonly job: Job; readonly newVersion?: boolean | undefined }[] | undefined;
  readonly executions?: readonly Execution[] | undefined;
  /** Each numbered after its job's last entry (SeqNum 1, 2, … per job), in this order. */
  readonly history?: readonly Omit<JobHistory, 'SeqNum'>[] | undefined;
  /**
   * Binds an idempotency key to a job. When the key is already bound the whole write is refused
   * with TAHO_CONFLICT whose `details.jobId` names the first job: two submissions racing with one
   * key create one job.
   */
  readonly idempotencyKey?: { readonly key: string; readonly jobId: string } | undefined;
  /** Removes the job with its versions, executions, history and keys (garbage collection). */
  readonly deleteJobs?: readonly string[] | undefined;
  readonly events?: readonly NewEvent[] | undefined;
  /** Writes of the process holding the `jobs` lease carry it; a stale token is refused (TAHO_LEASE_LOST). */
  readonly fence?: Fence | undefined;
}

/** One page of jobs in time order; ties on the time go by id. */
export interface JobPageQuery {
  readonly orderBy: 'created' | 'modified';
  /** Newest first. */
  readonly reverse: boolean;
  /** Only jobs strictly past this one (its time in that order, and its id). */
  readonly after?: { readonly time: number; readonly id: string } | undefined;
  readonly limit: number;
}

export interface JobCommit {
  readonly history: readonly JobHistory[];
  readonly events: readonly TahoEvent[];
}

/**
 * The jobs port (Bacalhau model). Rules the store enforces inside the atomic write, refusing the
 * whole write with TAHO_CONFLICT (nothing is stored) when one is broken — they are what keeps a
 * stale or racing writer from undoing a newer state:
 * - Revisions only move forward by one: a job or execution put must carry the stored Revision + 1
 *   (or be new). A submission of a new version of an existing job is also Revision + 1.
 * - A finished job (Completed, Failed, Stopped) changes state only as a new version (rerun or
 *   resubmission: `newVersion`).
 * - A finished execution (Completed, Failed, Cancelled, BidRejected) never changes ComputeState.
 * - A job's state change, its history entries and its events are one write.
 */
export interface JobStore {
  commit(write: JobWrite): Promise<JobCommit>;
  job(id: string): Promise<Job | undefined>;
  /** Jobs whose id starts with `prefix`: at most 11, enough to say it is ambiguous. */
  jobsByPrefix(prefix: string): Promise<Job[]>;
  /** `namespace = '*'`: every namespace. */
  jobsByName(name: string, namespace: string): Promise<Job[]>;
  jobs(): Promise<Job[]>;
  /** A page costs its own size, not the number of jobs stored (an index in each order). */
  jobPage(query: JobPageQuery): Promise<Job[]>;
  /** Jobs by state, kept by the store rather than counted from every job's body. */
  jobCounts(): Promise<Record<string, number>>;
  jobsInState(state: string): Promise<Job[]>;
  versions(id: string): Promise<Job[]>;
  version(id: string, version: number): Promise<Job | undefined>;
  /** Oldest first. */
  executions(jobId: string): Promise<Execution[]>;
  execution(id: string): Promise<Execution | undefined>;
  /** Entries with SeqNum >= `fromSeq`, in order. */
  history(jobId: string, fromSeq?: number): Promise<JobHistory[]>;
  jobForKey(key: string): Promise<string | undefined>;
}
