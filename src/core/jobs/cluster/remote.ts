import type { ClusterMember } from '../../cluster/member.js';
import type { ExecutionQueues, QueueConsumer } from '../../store/ports/queues.js';
import type { ClusterExecutions, ComputeNode, ExecutionOutcome, ExecutionRequest, NodeSnapshot, RunningExecution } from '../compute.js';
import type { Execution, Job } from '../model.js';

export interface ClusterComputeOptions {
  readonly queues: ExecutionQueues;
  readonly member: ClusterMember;
  /** The engines every node runs (this node's: the nodes of one cluster run one taho). */
  readonly engines: () => readonly string[];
  readonly log?: ((line: string) => void) | undefined;
}

const lostOutcome = (why: string): ExecutionOutcome => ({ exitCode: 137, error: why, durationMs: 0 });

/**
 * The orchestrator's view of the cluster's compute: every registered node is a ComputeNode whose
 * `run` puts the execution on that node's queue; the node's report (from the reports stream)
 * settles it. How many executions run on each node is counted here, from what was placed.
 */
export class ClusterCompute implements ClusterExecutions {
  readonly #o: ClusterComputeOptions;
  readonly #waiting = new Map<string, { nodeId: string; resolve: (o: ExecutionOutcome) => void }>();
  #reports: QueueConsumer | undefined;

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
    this.#o.queues.place(nodeId, { jobId: r.job.ID, executionId, timeoutMs: r.timeoutMs }).catch((err: unknown) => {
      this.#waiting.get(executionId)?.resolve(lostOutcome(`it could not be queued on node ${nodeId}: ${err instanceof Error ? err.message : String(err)}`));
    });
    return { done, stop: () => undefined };
  }

  async attach(_job: Job, e: Execution): Promise<RunningExecution | undefined> {
    const placed = await this.#o.queues.placed(e.NodeID, e.ID);
    if (placed.state === 'gone') return undefined;
    // It ended while no orchestrator listened (or its report was taken by the one before); null: its node did not run it.
    if (placed.state === 'ended') return placed.outcome ? { done: Promise.resolve(placed.outcome), stop: () => undefined } : undefined;
    return { done: this.#await(e.NodeID, e.ID), stop: () => undefined };
  }

  abandon(executionId: string, why: string): void {
    const w = this.#waiting.get(executionId);
    w?.resolve(lostOutcome(why));
    // A node that comes back finds it no longer wanted; removing it only saves it the look.
    if (w) void this.#o.queues.forget(w.nodeId, executionId);
  }

  async start(orphan: (jobId: string, executionId: string, outcome: ExecutionOutcome) => void): Promise<void> {
    const reports = this.#o.queues.consumeReports(({ jobId, executionId, outcome }) => {
      const w = this.#waiting.get(executionId);
      if (w) w.resolve(outcome);
      else orphan(jobId, executionId, outcome);
    }, this.#o.log);
    this.#reports = reports;
    await reports.ready;
  }

  /** Stops taking reports (this orchestrator lost its lease or stops). */
  async close(): Promise<void> {
    this.#waiting.clear();
    await this.#reports?.close();
  }
}
