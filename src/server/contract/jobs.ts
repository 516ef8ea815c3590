/**
 * The response schemas of the jobs routes (Bacalhau's orchestrator and agent API,
 * wire/bacalhau.md), keyed by route as the scope table is. Bacalhau objects are wide; the
 * schemas name what a client reads and allow the rest.
 */
import { obj, arrayOf, text, STR, INT, BOOL, ANY, type Responses, type Schema } from './schema.js';

const BASE = '/api/v1/orchestrator';
const AGENT = '/api/v1/agent';

const state = obj({ StateType: ANY }, { Message: STR, Details: { type: 'object', additionalProperties: STR } });
const labels = { type: 'object', additionalProperties: STR } as const;

const job = obj({
  ID: STR, Name: STR, Namespace: STR, Type: { type: 'string', enum: ['batch', 'ops', 'service', 'daemon'] }, Count: INT,
  Labels: labels, Meta: labels, Tasks: arrayOf(obj({ Name: STR })), State: state, Version: INT, Revision: INT, CreateTime: INT, ModifyTime: INT,
}, { Priority: INT, Constraints: arrayOf(obj({ Key: STR, Operator: STR }, { Values: arrayOf(STR) })) });

const execution = obj({
  ID: STR, Namespace: STR, NodeID: STR, JobID: STR, JobVersion: INT, DesiredState: state, ComputeState: state, Revision: INT, CreateTime: INT, ModifyTime: INT,
}, {
  EvalID: STR, Name: STR, AllocatedResources: ANY, PublishedResult: ANY,
  RunOutput: { anyOf: [obj({ Stdout: STR, ExitCode: INT }, { StdoutTruncated: BOOL, stderr: STR, StderrTruncated: BOOL, ErrorMsg: STR }), { type: 'null' }] },
  PreviousExecution: STR, NextExecution: STR, FollowupEvalID: STR,
});

const historyItem = obj({
  SeqNum: INT, Type: { type: 'string', enum: ['JobLevel', 'ExecutionLevel'] }, JobID: STR, JobVersion: INT, Time: STR,
  Event: obj({ Message: STR, Topic: STR, Timestamp: STR }, { Details: labels }),
}, { ExecutionID: STR, JobState: obj({ Previous: STR, New: STR }), ExecutionState: obj({ Previous: INT, New: INT }) });

const page = (items: Schema) => obj({ Items: arrayOf(items), NextToken: STR });
const specConfig = obj({ Type: STR }, { Params: { type: 'object', additionalProperties: true } });
const resources = obj({ CPU: ANY, Memory: ANY, Disk: ANY, GPU: ANY });
const version = obj({ Major: STR, Minor: STR, GitVersion: STR }, { GitCommit: STR, BuildDate: STR, GOOS: STR, GOARCH: STR });
const nodeInfo = obj({
  NodeID: STR, NodeType: STR, Labels: labels,
  ComputeNodeInfo: obj({ ExecutionEngines: arrayOf(STR), MaxCapacity: resources, AvailableCapacity: resources, RunningExecutions: INT }, { Publishers: arrayOf(STR), StorageSources: arrayOf(STR), QueueCapacity: ANY, MaxJobRequirements: resources, EnqueuedExecutions: INT, address: STR }),
  BacalhauVersion: version,
}, { SupportedProtocols: arrayOf(STR) });
const nodeState = obj({ Info: nodeInfo, Membership: STR, Connection: STR }, { ConnectionState: obj({ Status: STR }, { LastHeartbeat: STR, ConnectedSince: STR }) });

const submitted = obj({ JobID: STR, EvaluationID: STR }, { Warnings: { anyOf: [arrayOf(STR), { type: 'null' }] } });

export const JOBS_RESPONSES: Responses = {
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
      JobID: STR, State: STR, Summary: STR, Nodes: arrayOf(obj({ NodeID: STR, Accepted: BOOL, Reason: STR })),
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
};
