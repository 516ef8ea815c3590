/**
 * The response schemas of the jobs routes (Bacalhau's orchestrator and agent API,
 * wire/bacalhau.md), keyed by route as the scope table is. Bacalhau objects are wide; the
 * schemas name what a client reads and allow the rest.
 */
import { obj, arrayOf, nullable, text, STR, INT, BOOL, ANY, type Responses, type Schema } from './schema.js';

const BASE = '/api/v1/orchestrator';
const AGENT = '/api/v1/agent';

const labels = { type: 'object', additionalProperties: STR } as const;
const JOB_STATES = ['Undefined', 'Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped'] as const;
const jobStateType = { type: 'string', enum: JOB_STATES } as const;
const stateOf = <const T extends Schema>(type: T) => obj({ StateType: type }, { Message: STR, Details: labels });
const specConfig = obj({ Type: STR }, { Params: { type: 'object', additionalProperties: true } });
const taskResources = obj({}, { CPU: STR, Memory: STR, Disk: STR, GPU: STR });

const task = obj({ Name: STR, Engine: specConfig }, {
  Publisher: specConfig, Env: labels, Meta: labels,
  InputSources: arrayOf(obj({ Source: specConfig, Target: STR }, { Alias: STR })),
  ResultPaths: arrayOf(obj({ Name: STR, Path: STR })),
  Resources: taskResources,
  Network: obj({ Type: STR }, { Domains: arrayOf(STR) }),
  Timeouts: obj({}, { ExecutionTimeout: INT, QueueTimeout: INT, TotalTimeout: INT }),
});

const job = obj({
  ID: STR, Name: STR, Namespace: STR, Type: { type: 'string', enum: ['batch', 'ops', 'service', 'daemon'] }, Priority: INT, Count: INT,
  Constraints: arrayOf(obj({ Key: STR, Operator: STR }, { Values: arrayOf(STR) })),
  Labels: labels, Meta: labels, Tasks: arrayOf(task), State: stateOf(jobStateType), Version: INT, Revision: INT, CreateTime: INT, ModifyTime: INT,
});

const execution = obj({
  ID: STR, Namespace: STR, EvalID: STR, Name: STR, NodeID: STR, JobID: STR, JobVersion: INT,
  AllocatedResources: obj({ Tasks: { type: 'object', additionalProperties: taskResources } }),
  DesiredState: stateOf({ type: 'integer', enum: [0, 1, 2] }),
  ComputeState: stateOf({ type: 'integer', enum: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }),
  PublishedResult: nullable(specConfig),
  RunOutput: nullable(obj({ Stdout: STR, StdoutTruncated: BOOL, stderr: STR, StderrTruncated: BOOL, ExitCode: INT, ErrorMsg: STR })),
  PreviousExecution: STR, NextExecution: STR, FollowupEvalID: STR, Revision: INT, CreateTime: INT, ModifyTime: INT,
});

const historyItem = obj({
  SeqNum: INT, Type: { type: 'string', enum: ['JobLevel', 'ExecutionLevel'] }, JobID: STR, JobVersion: INT, Time: STR,
  Event: obj({ Message: STR, Topic: STR, Timestamp: STR }, { Details: labels }),
}, { ExecutionID: STR, JobState: obj({ Previous: jobStateType, New: jobStateType }), ExecutionState: obj({ Previous: INT, New: INT }) });

const page = <const I extends Schema>(items: I) => obj({ Items: arrayOf(items), NextToken: STR });
const resources = obj({ CPU: ANY, Memory: ANY, Disk: ANY, GPU: ANY });
const version = obj({ Major: STR, Minor: STR, GitVersion: STR }, { GitCommit: STR, BuildDate: STR, GOOS: STR, GOARCH: STR });
const nodeInfo = obj({
  NodeID: STR, NodeType: STR, Labels: labels,
  ComputeNodeInfo: obj({ ExecutionEngines: arrayOf(STR), MaxCapacity: resources, AvailableCapacity: resources, RunningExecutions: INT }, { Publishers: arrayOf(STR), StorageSources: arrayOf(STR), QueueCapacity: ANY, MaxJobRequirements: resources, EnqueuedExecutions: INT, address: STR }),
  BacalhauVersion: version,
}, { SupportedProtocols: arrayOf(STR) });
const nodeState = obj({ Info: nodeInfo, Membership: STR, Connection: STR }, { ConnectionState: obj({ Status: STR }, { LastHeartbeat: STR, ConnectedSince: STR }) });

const submitted = obj({ JobID: STR, EvaluationID: STR, Warnings: nullable(arrayOf(STR)) });

export const JOBS_RESPONSES = {
  [`PUT ${BASE}/jobs`]: { 200: submitted },
  [`POST ${BASE}/jobs`]: { 200: submitted },
  [`GET ${BASE}/jobs`]: { 200: page(job) },
  [`PUT ${BASE}/jobs/diff`]: { 200: obj({ Diff: STR }, { Warnings: arrayOf(STR) }) },
  [`GET ${BASE}/jobs/:id`]: { 200: obj({ Job: job }, { History: page(historyItem), Executions: page(execution) }) },
  [`DELETE ${BASE}/jobs/:id`]: { 200: obj({ EvaluationID: STR }) },
  [`GET ${BASE}/jobs/:id/executions`]: { 200: page(execution) },
  [`GET ${BASE}/jobs/:id/history`]: { 200: page(historyItem) },
  [`GET ${BASE}/jobs/:id/results`]: { 200: page(specConfig) },
  [`GET ${BASE}/jobs/:id/versions`]: { 200: page(job) },
  [`GET ${BASE}/jobs/:id/explain`]: {
    200: obj({
      JobID: STR, State: jobStateType, Summary: STR, Nodes: arrayOf(obj({ NodeID: STR, Accepted: BOOL, Reason: STR })),
      Executions: arrayOf(obj({ ID: STR, State: STR, Message: STR })),
    }, { QueuePosition: INT, QueueLength: INT, QueueTimeoutLeftS: { type: 'number' } }),
  },
  [`PUT ${BASE}/jobs/:id/rerun`]: { 200: obj({ JobID: STR, JobVersion: INT, EvaluationID: STR, Warnings: arrayOf(STR) }) },
  [`GET ${BASE}/jobs/:id/logs`]: { 200: text('text/event-stream', 'Log lines as SSE (Accept: text/event-stream), resumable with Last-Event-ID; without it, a WebSocket upgrade of Bacalhau\'s frames') },
  [`GET ${BASE}/nodes`]: { 200: obj({ NextToken: STR, Nodes: arrayOf(nodeState) }) },
  [`GET ${BASE}/nodes/:id`]: { 200: obj({ Node: nodeState }) },
  [`GET ${AGENT}/alive`]: { 200: obj({ Status: STR }) },
  [`GET ${AGENT}/version`]: { 200: version },
  [`GET ${AGENT}/node`]: { 200: nodeInfo },
  [`GET ${AGENT}/config`]: { 200: obj({ config: obj({ jobs: ANY, limits: ANY }) }) },
} as const satisfies Responses;
