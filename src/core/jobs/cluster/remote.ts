import { Job as QueueJob, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClusterMember } from '../../cluster/member.js';
import type { ClusterExecutions, ComputeNode, ExecutionOutcome, ExecutionRequest, NodeSnapshot, RunningExecution } from '../compute.js';
import type { Execution, Job } from '../model.js';
import { KEEP_FINISHED, QUEUE_PREFIX, REPORTS_QUEUE, nodeQueue, type ExecutionTask } from './queues.js';

export interface ClusterComputeOptions {
  readonly connection: Redis;
  readonly member: ClusterMember;
  /** The engines every node runs (this node's: the nodes of one cluster run one taho). */
  readonly engines: () => readonly string[];
  readonly log?: ((line: string) => void) | undefined;
}

interface Report {
  readonly jobId: string;
  readonly executionId: string;
  readonly outcome: ExecutionOutcome;
}

const lostOutcome = (why: string): ExecutionOutcome => ({ exitCode: 137, error: why, durationMs: 0 });

/**
 * The orchestrator's view of the cluster's compute: every registered node is a ComputeNode whose
 * `run` puts the execution on that node's queue; the node's report (from the reports queue)
 * settles it. How many executions run on each node is counted here, from what was placed.
 */
export class ClusterCompute implements ClusterExecutions {
  readonly #o: ClusterComputeOptions;
  readonly #queues = new Map<string, Queue<ExecutionTask>>();
  readonly #waiting = new Map<string, { nodeId: string; resolve: (o: ExecutionOutcome) => void }>();
  #reports: Worker<Report> | undefined;
  #orphan: ((jobId: string, executionId: string, outcome: ExecutionOutcome) => void) | undefined;

  constructor(options: ClusterComputeOptions) {
    this.#o = options;
  }

  nodes(): readonly ComputeNode[] {
    const running = new Map<string, number>();
    for (const w of this.#waiting.values()) running.set(w.nodeId, (running.get(w.nodeId) ?? 0) + 1);
    return this.#o.member.nodes().filter((n) => n.url !== '').map((n): ComputeNode => {
      const slots = n.capacity.slots || 1;
      const max = n.capacity.resources ?? { CPU: slots, Memory: 0, Disk: 0, GPU: 0 };
      const snapshot: NodeSnapshot = {
        id: n.id, labels: n.labels, engines: this.#o.engines(), max, available: max, slots, running: running.get(n.id) ?? 0,
        connected: n.alive, address: new URL(n.url).hostname, lastSeen: n.lastSeen,
      };
      return { id: n.id, snapshot: () => snapshot, run: (r) => this.#place(n.id, r) };
    });
  }

  node(nodeId: string): { url: string; alive: boolean } | undefined {
    const n = this.#o.member.nodes().find((x) => x.id === nodeId);
    return n && { url: n.url, alive: n.alive };
  }

  isLost(nodeId: string): boolean {
    return !this.#o.member.nodes().some((n) => n.id === nodeId && n.alive);
  }

  #queue(nodeId: string): Queue<ExecutionTask> {
    let q = this.#queues.get(nodeId);
    if (!q) {
      q = new Queue<ExecutionTask>(nodeQueue(nodeId), { connection: this.#o.connection, prefix: QUEUE_PREFIX });
      q.on('error', (err) => this.#o.log?.(`jobs: queue of node ${nodeId}: ${err.message}`));
      this.#queues.set(nodeId, q);
    }
    return q;
  }

  #await(nodeId: string, executionId: string): Promise<ExecutionOutcome> {
    return new Promise<ExecutionOutcome>((resolve) => {
      this.#waiting.set(executionId, { nodeId, resolve: (o) => {
        this.#waiting.delete(executionId);
        resolve(o);
      } });
    });
  }

  #place(nodeId: string, r: ExecutionRequest): RunningExecution {
    const executionId = r.execution.ID;
    const done = this.#await(nodeId, executionId);
    const task: ExecutionTask = { jobId: r.job.ID, executionId, timeoutMs: r.timeoutMs };
    // The execution id is the queue job's id: placing it twice (a retry) queues it once.
    this.#queue(nodeId).add('run', task, { jobId: executionId, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED }).catch((err: unknown) => {
      this.#waiting.get(executionId)?.resolve(lostOutcome(`it could not be queued on node ${nodeId}: ${err instanceof Error ? err.message : String(err)}`));
    });
    return { done, stop: () => undefined };
  }

  async attach(_job: Job, e: Execution): Promise<RunningExecution | undefined> {
    const queued = await QueueJob.fromId<ExecutionTask, ExecutionOutcome | null>(this.#queue(e.NodeID), e.ID);
    if (!queued) return undefined;
    const state = await queued.getState();
    if (state === 'completed') {
      // It ended while no orchestrator listened (or its report was taken by the one before).
      const outcome = queued.returnvalue;
      return outcome ? { done: Promise.resolve(outcome), stop: () => undefined } : undefined;
    }
    if (state === 'failed' || state === 'unknown') return undefined;
    return { done: this.#await(e.NodeID, e.ID), stop: () => undefined };
  }

  abandon(executionId: string, why: string): void {
    this.#waiting.get(executionId)?.resolve(lostOutcome(why));
    // A node that comes back finds it no longer wanted; removing it only saves it the look.
    for (const q of this.#queues.values()) void q.remove(executionId).catch(() => undefined);
  }

  async start(orphan: (jobId: string, executionId: string, outcome: ExecutionOutcome) => void): Promise<void> {
    this.#orphan = orphan;
    this.#reports = new Worker<Report>(REPORTS_QUEUE, async (job) => {
      const { jobId, executionId, outcome } = job.data;
      const w = this.#waiting.get(executionId);
      if (w) w.resolve(outcome);
      else this.#orphan?.(jobId, executionId, outcome);
    }, { connection: this.#o.connection, prefix: QUEUE_PREFIX, concurrency: 16 });
    this.#reports.on('error', (err) => this.#o.log?.(`jobs: reports queue: ${err.message}`));
  }

  /** Stops taking reports; a later start (the next orchestrator here) takes them again. */
  async close(): Promise<void> {
    this.#waiting.clear();
    await this.#reports?.close();
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }
}
