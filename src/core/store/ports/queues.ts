import type { ExecutionOutcome } from '../../jobs/compute.js';

/**
 * The execution queues of a cluster's jobs: one per node, which only that node consumes, and a
 * stream of reports, which only the orchestrator (the `jobs` lease holder) reads. Only a distributed
 * adapter has them (Redis, through BullMQ); on the embedded store one process runs every job.
 */

/** What a node's queue carries: the execution to run (its job and spec are read from the store). */
export interface ExecutionTask {
  readonly jobId: string;
  readonly executionId: string;
  readonly timeoutMs: number;
}

/** How an execution ended, as the node that ran it reports it. */
export interface ExecutionReport {
  readonly jobId: string;
  readonly executionId: string;
  readonly outcome: ExecutionOutcome;
}

/** A placed task: still to run or running, ended (with what the node answered: null when it did not run it), or unknown to the queue. */
export type PlacedState =
  | { readonly state: 'pending' }
  | { readonly state: 'ended'; readonly outcome: ExecutionOutcome | null }
  | { readonly state: 'gone' };

export interface QueueConsumer {
  /** Stops taking tasks; one being run is left to its runner. */
  close(): Promise<void>;
}

export interface ExecutionQueues {
  /** Puts the task on the node's queue; its execution id names it, so placing it twice queues it once. */
  place(nodeId: string, task: ExecutionTask): Promise<void>;
  /** Where a placed task stands (an orchestrator taking over asks). */
  placed(nodeId: string, executionId: string): Promise<PlacedState>;
  /** Drops a task still waiting (a lost node's): best effort. */
  forget(nodeId: string, executionId: string): Promise<void>;
  /** Runs the node's tasks, `concurrency` at once; what `run` answers is kept as the task's end. */
  consume(nodeId: string, concurrency: number, run: (task: ExecutionTask) => Promise<ExecutionOutcome | null>, log?: (line: string) => void): QueueConsumer;
  report(report: ExecutionReport): Promise<void>;
  /**
   * Hears the reports sent from now on (the orchestrator), once `ready` resolves; an earlier one
   * is found by asking `placed`.
   */
  consumeReports(on: (report: ExecutionReport) => void, log?: (line: string) => void): QueueConsumer & { readonly ready: Promise<void> };
  close(): Promise<void>;
}
