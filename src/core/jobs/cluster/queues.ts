import { Redis } from 'ioredis';

/**
 * The cluster's execution queues (BullMQ on the store's Redis): one per node, which only that
 * node consumes, and one of reports, which only the orchestrator (the `jobs` lease holder)
 * consumes. Keys share the `{bull}` hash tag (one slot, as every taho family's).
 */
export const QUEUE_PREFIX = 'taho:{bull}';
export const REPORTS_QUEUE = 'exec-reports';

export function nodeQueue(nodeId: string): string {
  return `exec-${nodeId}`;
}

/** What a node's queue carries: the execution to run (its job and spec are read from the store). */
export interface ExecutionTask {
  readonly jobId: string;
  readonly executionId: string;
  readonly timeoutMs: number;
}

/** A connection for BullMQ: its blocking reads must wait as long as they need (no per-request retry limit). */
export function queueConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableOfflineQueue: true });
}

/** Finished executions are kept this long so an orchestrator that took over can read how they ended. */
export const KEEP_FINISHED = { age: 3600, count: 100_000 } as const;
