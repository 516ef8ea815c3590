import type { Execution, Job, RunOutput } from './model.js';

/**
 * The orchestrator ↔ compute boundary. The embedded server is one LocalNode; in distributed mode
 * a remote node implements the same interface, so the scheduler never reaches past it.
 */
export interface NodeResources {
  /** Cores. */
  readonly CPU: number;
  /** Bytes. */
  readonly Memory: number;
  readonly Disk: number;
  readonly GPU: number;
}

export interface NodeSnapshot {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly engines: readonly string[];
  readonly max: NodeResources;
  readonly available: NodeResources;
  /** Executions it can run at once, and how many run now. */
  readonly slots: number;
  readonly running: number;
  readonly connected: boolean;
  /** Where it runs (a cluster node's host); absent: this machine. */
  readonly address?: string | undefined;
  /** ms since the epoch of its last heartbeat (a cluster node); absent: now. */
  readonly lastSeen?: number | undefined;
}

export interface ExecutionRequest {
  readonly job: Job;
  readonly execution: Execution;
  /** Where this execution's stdout, stderr and outputs are kept. */
  readonly dir: string;
  readonly timeoutMs: number;
}

export interface ExecutionOutcome {
  readonly exitCode: number;
  /** Why it did not run to its end: a trap, a bad module, a missing input. */
  readonly error?: string | undefined;
  readonly stoppedBy?: 'timeout' | 'stop' | undefined;
  readonly durationMs: number;
  /** Read by the node that ran it, where its files stay (a cluster node); absent: read here. */
  readonly output?: Omit<RunOutput, 'ExitCode' | 'ErrorMsg'> | undefined;
  readonly resultsUrl?: string | undefined;
}

export interface RunningExecution {
  /** Never rejects: every failure is an outcome. */
  readonly done: Promise<ExecutionOutcome>;
  /** Stops it for real (the thread or process is gone when `done` settles). */
  stop(): void;
}

export interface ComputeNode {
  readonly id: string;
  snapshot(): NodeSnapshot;
  run(request: ExecutionRequest): RunningExecution;
}

/**
 * Executions placed on the nodes of a cluster, each through its node's queue: what the
 * orchestrator needs beyond placing them. A node stops an execution by itself when the job's
 * event says it should no longer run, so `stop()` of such an execution does nothing.
 */
export interface ClusterExecutions {
  /** Every node seen (live and recently dead) as a compute node. */
  nodes(): readonly ComputeNode[];
  /** Where a node is and whether it beats; undefined once it is forgotten. */
  node(nodeId: string): { readonly url: string; readonly alive: boolean } | undefined;
  /** The node stopped beating (its registration expired) or left: its executions will never report. */
  isLost(nodeId: string): boolean;
  /** An execution an earlier orchestrator placed: its end, or undefined when its node does not have it. */
  attach(job: Job, execution: Execution): Promise<RunningExecution | undefined>;
  /** Releases whoever waits on an execution that will never report (its node is lost). */
  abandon(executionId: string, why: string): void;
  /** Starts taking the nodes' reports; one for an execution nobody waits on goes to `orphan`. */
  start(orphan: (jobId: string, executionId: string, outcome: ExecutionOutcome) => void): Promise<void>;
  close(): Promise<void>;
}

/** Where an execution keeps what it produced. */
export function executionFiles(dir: string): { stdout: string; stderr: string; outputs: string } {
  return { stdout: `${dir}/stdout`, stderr: `${dir}/stderr`, outputs: `${dir}/outputs` };
}
