/**
 * Bacalhau's job model as it travels on the wire (wire/bacalhau.md §6): PascalCase fields, job
 * states as strings, execution states as integers, times in Unix nanoseconds.
 */
export type JobType = 'batch' | 'ops' | 'daemon' | 'service';
export const JOB_TYPES: readonly JobType[] = ['batch', 'ops', 'daemon', 'service'];

export type JobStateType = 'Undefined' | 'Pending' | 'Queued' | 'Running' | 'Completed' | 'Failed' | 'Stopped';
export const TERMINAL_JOB_STATES: ReadonlySet<JobStateType> = new Set(['Completed', 'Failed', 'Stopped']);

export interface SpecConfig {
  readonly Type: string;
  readonly Params?: Record<string, unknown> | undefined;
}

export interface InputSource {
  readonly Source: SpecConfig;
  readonly Alias?: string | undefined;
  readonly Target: string;
}

export interface ResultPath {
  readonly Name: string;
  readonly Path: string;
}

export interface ResourcesConfig {
  readonly CPU?: string | undefined;
  readonly Memory?: string | undefined;
  readonly Disk?: string | undefined;
  readonly GPU?: string | undefined;
}

export interface Timeouts {
  /** Seconds; 0 or absent: the node's default. */
  readonly ExecutionTimeout?: number | undefined;
  readonly QueueTimeout?: number | undefined;
  readonly TotalTimeout?: number | undefined;
}

export interface Task {
  readonly Name: string;
  readonly Engine: SpecConfig;
  readonly Publisher?: SpecConfig | undefined;
  readonly Env?: Readonly<Record<string, string>> | undefined;
  readonly Meta?: Readonly<Record<string, string>> | undefined;
  readonly InputSources?: readonly InputSource[] | undefined;
  readonly ResultPaths?: readonly ResultPath[] | undefined;
  readonly Resources?: ResourcesConfig | undefined;
  readonly Network?: { readonly Type: string; readonly Domains?: readonly string[] } | undefined;
  readonly Timeouts?: Timeouts | undefined;
}

export interface Constraint {
  readonly Key: string;
  readonly Operator: string;
  readonly Values?: readonly string[] | undefined;
}

export interface State<T> {
  readonly StateType: T;
  readonly Message?: string | undefined;
  readonly Details?: Readonly<Record<string, string>> | undefined;
}

export interface Job {
  readonly ID: string;
  readonly Name: string;
  readonly Namespace: string;
  readonly Type: JobType;
  readonly Priority: number;
  readonly Count: number;
  readonly Constraints: readonly Constraint[];
  readonly Meta: Readonly<Record<string, string>>;
  readonly Labels: Readonly<Record<string, string>>;
  readonly Tasks: readonly Task[];
  readonly State: State<JobStateType>;
  readonly Version: number;
  readonly Revision: number;
  readonly CreateTime: number;
  readonly ModifyTime: number;
}

/** Bacalhau's integers (models/execution.go). */
export const ComputeState = {
  Undefined: 0, New: 1, AskForBid: 2, AskForBidAccepted: 3, AskForBidRejected: 4, BidAccepted: 5,
  Running: 6, Publishing: 7, BidRejected: 8, Completed: 9, Failed: 10, Cancelled: 11,
} as const;
export type ComputeStateType = (typeof ComputeState)[keyof typeof ComputeState];
export const COMPUTE_STATE_NAMES = Object.fromEntries(Object.entries(ComputeState).map(([k, v]) => [v, k])) as Record<number, string>;
export const TERMINAL_COMPUTE_STATES: ReadonlySet<number> = new Set([ComputeState.Completed, ComputeState.Failed, ComputeState.Cancelled, ComputeState.BidRejected, ComputeState.AskForBidRejected]);

export const DesiredState = { Pending: 0, Running: 1, Stopped: 2 } as const;
export type DesiredStateType = (typeof DesiredState)[keyof typeof DesiredState];
export const DESIRED_STATE_NAMES: Record<number, string> = { 0: 'Pending', 1: 'Running', 2: 'Stopped' };

export interface RunOutput {
  readonly Stdout: string;
  readonly StdoutTruncated: boolean;
  /** Lower-case on Bacalhau's wire, unlike Stdout. */
  readonly stderr: string;
  readonly StderrTruncated: boolean;
  readonly ExitCode: number;
  readonly ErrorMsg: string;
}

export interface Execution {
  readonly ID: string;
  readonly Namespace: string;
  readonly EvalID: string;
  readonly Name: string;
  readonly NodeID: string;
  readonly JobID: string;
  readonly JobVersion: number;
  readonly AllocatedResources: { readonly Tasks: Readonly<Record<string, ResourcesConfig>> };
  readonly DesiredState: State<DesiredStateType>;
  readonly ComputeState: State<ComputeStateType>;
  readonly PublishedResult: SpecConfig | null;
  readonly RunOutput: RunOutput | null;
  readonly PreviousExecution: string;
  readonly NextExecution: string;
  readonly FollowupEvalID: string;
  readonly Revision: number;
  readonly CreateTime: number;
  readonly ModifyTime: number;
}

export type HistoryType = 'JobLevel' | 'ExecutionLevel';

export interface JobEvent {
  readonly Message: string;
  readonly Topic: string;
  readonly Timestamp: string;
  readonly Details?: Readonly<Record<string, string>> | undefined;
}

export interface JobHistory {
  readonly SeqNum: number;
  readonly Type: HistoryType;
  readonly JobID: string;
  readonly JobVersion: number;
  readonly ExecutionID?: string | undefined;
  readonly Event: JobEvent;
  readonly Time: string;
  readonly JobState?: { readonly Previous: JobStateType; readonly New: JobStateType } | undefined;
  readonly ExecutionState?: { readonly Previous: number; readonly New: number } | undefined;
}

let lastNs = 0;

/**
 * Unix nanoseconds, as Bacalhau's CreateTime/ModifyTime, strictly increasing within a process so
 * that creation order is list order. A double holds numbers this size to 256 ns, hence the step.
 */
export function nowNs(): number {
  let t = Date.now() * 1_000_000;
  if (t <= lastNs) t = lastNs + 1024;
  lastNs = t;
  return t;
}

/** A prefixed id (`j-…`, `e-…`, `v-…`, `n-…`) and its short form (prefix + 8 hex digits). */
export function shortId(id: string): string {
  return id.slice(0, 10);
}
