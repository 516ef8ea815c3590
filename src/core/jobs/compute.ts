import type { Execution, Job } from './model.js';

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

/** Where an execution keeps what it produced. */
export function executionFiles(dir: string): { stdout: string; stderr: string; outputs: string } {
  return { stdout: `${dir}/stdout`, stderr: `${dir}/stderr`, outputs: `${dir}/outputs` };
}
