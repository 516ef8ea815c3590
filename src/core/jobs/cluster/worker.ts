import { join } from 'node:path';
import type { EventLog } from '../../store/ports/events.js';
import type { JobStore } from '../../store/ports/jobs.js';
import type { ExecutionQueues, ExecutionTask, QueueConsumer } from '../../store/ports/queues.js';
import { executionFiles, type ComputeNode, type ExecutionOutcome, type RunningExecution } from '../compute.js';
import { DesiredState, TERMINAL_COMPUTE_STATES, TERMINAL_JOB_STATES, type Execution, type Job } from '../model.js';
import { readOutput } from '../output.js';

export interface ComputeWorkerOptions {
  readonly queues: ExecutionQueues;
  readonly node: ComputeNode;
  readonly slots: number;
  readonly store: JobStore;
  readonly events: EventLog;
  readonly dataDir: string;
  readonly log?: ((line: string) => void) | undefined;
}

/** An execution still wanted: not finished, not told to stop, of its job's current version, the job not finished. */
function wanted(job: Job | undefined, e: Execution | undefined): boolean {
  return job !== undefined && e !== undefined && !TERMINAL_COMPUTE_STATES.has(e.ComputeState.StateType)
    && e.DesiredState.StateType !== DesiredState.Stopped && !TERMINAL_JOB_STATES.has(job.State.StateType) && job.Version === e.JobVersion;
}

/**
 * A cluster node's compute side: takes the executions placed on it from its own queue, runs them
 * on this node, keeps their files here, and reports each end (with its output) to the
 * orchestrator's queue. It stops an execution when the job's event says it is no longer wanted
 * (stopped, failed, replaced by a new version), wherever the orchestrator runs.
 */
export class ComputeWorker {
  readonly #o: ComputeWorkerOptions;
  readonly #running = new Map<string, { jobId: string; running: RunningExecution }>();
  readonly #follow = new AbortController();
  #consumer: QueueConsumer | undefined;
  #closing = false;

  constructor(options: ComputeWorkerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#consumer = this.#o.queues.consume(this.#o.node.id, this.#o.slots, (task) => this.#run(task), this.#o.log);
    void this.#watch();
  }

  /** Runs the execution only while it is wanted; the report is what the orchestrator waits for. */
  async #run(task: ExecutionTask): Promise<ExecutionOutcome | null> {
    const { jobId, executionId, timeoutMs } = task;
    const { store, node, dataDir, queues } = this.#o;
    const [job, execution] = await Promise.all([store.job(jobId), store.execution(executionId)]);
    // Stopped, lost or replaced meanwhile: a node that comes back must not run it again.
    if (!job || !execution || !wanted(job, execution)) return null;
    const dir = join(dataDir, 'jobs', jobId, executionId);
    const running = node.run({ job, execution, dir, timeoutMs });
    this.#running.set(executionId, { jobId, running });
    let outcome: ExecutionOutcome;
    try {
      outcome = await running.done;
    } finally {
      this.#running.delete(executionId);
    }
    // Stopped because this node is going away: no report; the orchestrator places it again.
    if (this.#closing) return null;
    const files = executionFiles(dir);
    const report: ExecutionOutcome = { ...outcome, output: readOutput(files.stdout, files.stderr), resultsUrl: `file://${dir}` };
    await queues.report({ jobId, executionId, outcome: report });
    return report;
  }

  /** Follows the jobs' events: an execution here whose job says it should stop is stopped. */
  async #watch(): Promise<void> {
    const { events, store } = this.#o;
    const signal = this.#follow.signal;
    try {
      for await (const e of events.follow({ after: await events.lastId(), kinds: ['job'], signal })) {
        const here = [...this.#running].filter(([, r]) => r.jobId === e.subject);
        if (here.length === 0) continue;
        const job = await store.job(e.subject);
        for (const [id, r] of here) if (!wanted(job, await store.execution(id))) r.running.stop();
      }
    } catch (err) {
      if (!signal.aborted) this.#o.log?.(`jobs: stopped following job events: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Stops what runs here without reporting it (the orchestrator sees this node leave and places it again). */
  async close(): Promise<void> {
    this.#closing = true;
    this.#follow.abort();
    for (const r of this.#running.values()) r.running.stop();
    await this.#consumer?.close();
  }
}
