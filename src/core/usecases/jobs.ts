/**
 * The jobs family's operations as Bacalhau's orchestrator API answers them, once: the routes
 * (src/server/routes/jobs.ts) parse the query string into these inputs, LocalClient passes its
 * options, and both get the same pages and views. Starting or settling the orchestrator is the
 * caller's (a server runs it; a CLI process settles what a dead one left).
 */
import type { Runtime } from '../runtime.js';
import { TahoError } from '../errors.js';
import type { Execution, Job, JobHistory, SpecConfig } from '../jobs/model.js';
import { nodeByPrefix, type HistoryQuery, type JobExplanation, type ListQuery, type Page, type SubmitOptions, type SubmitResult } from '../jobs/orchestrator.js';
import { listJobs as listStoredJobs } from '../jobs/list.js';
import { clusterNodes } from '../cluster/nodes.js';
import type { NodeSnapshot } from '../jobs/compute.js';
import { nodeState } from '../jobs/views.js';
import { matches, parseSelector } from '../jobs/selector.js';

/** `GET /jobs/{id}?include=executions,history`. */
export interface JobDescription {
  readonly Job: Job;
  readonly History?: Page<JobHistory>;
  readonly Executions?: Page<Execution>;
  /** In a cluster: the node each execution of this version ran on, where its results and logs stay, and whether it answers. */
  readonly Locations?: ExecutionLocation[];
}

export interface ExecutionLocation {
  readonly ExecutionID: string;
  readonly NodeID: string;
  /** '' when the node is forgotten. */
  readonly NodeURL: string;
  readonly Reachable: boolean;
}

/** Bacalhau's NodeState (`{Info, Membership, Connection, ConnectionState}`). */
export type NodeState = Record<string, unknown>;

export interface DescribeOptions {
  readonly namespace?: string | undefined;
  /** 0 or absent: the latest. */
  readonly jobVersion?: number | undefined;
  readonly include?: readonly ('history' | 'executions')[] | undefined;
}

export interface ExecutionsQuery {
  readonly namespace?: string | undefined;
  readonly jobVersion?: number | undefined;
  readonly allVersions?: boolean | undefined;
  readonly orderBy?: string | undefined;
  readonly reverse?: boolean | undefined;
  readonly limit?: number | undefined;
}

export interface NodesQuery {
  readonly labels?: string | undefined;
  readonly orderBy?: string | undefined;
  readonly reverse?: boolean | undefined;
  readonly limit?: number | undefined;
  readonly approval?: string | undefined;
  readonly status?: string | undefined;
}

export interface Rerun {
  readonly JobID: string;
  readonly JobVersion: number;
  readonly EvaluationID: string;
  readonly Warnings: string[];
}

const EVENT_TYPES = ['all', 'job', 'execution'];

/** A job spec (Bacalhau's `Job`), validated by the orchestrator, which names every problem at once. */
export function submitJob(runtime: Runtime, job: unknown, options: SubmitOptions = {}): Promise<SubmitResult> {
  if (job === undefined || job === null) throw new TahoError('TAHO_BAD_REQUEST', 'the request has no Job', { hint: 'Send {"Job": {...}, "Force": false}.' });
  return runtime.jobs().submit(job, options);
}

/** A page of jobs read from the store's indexes (a list activates nothing). */
export function listJobs(runtime: Runtime, query: ListQuery = {}): Promise<Page<Job>> {
  return listStoredJobs(runtime.stores().jobs, query);
}

/** A job by id, unique id prefix or name, with its history and executions of that version when asked. */
export async function describeJob(runtime: Runtime, id: string, options: DescribeOptions = {}): Promise<JobDescription> {
  const jobs = runtime.jobs();
  const member = runtime.cluster();
  const job = await jobs.get(id, options.namespace, options.jobVersion ?? 0);
  const include = new Set(options.include ?? []);
  return {
    Job: job,
    ...(include.has('history') ? { History: await jobs.history(job.ID, { jobVersion: job.Version, limit: 0 }) } : {}),
    ...(include.has('executions') ? { Executions: { Items: await jobs.executions(job.ID, { jobVersion: job.Version }), NextToken: '' } } : {}),
    ...(member ? { Locations: (await jobs.executions(job.ID, { jobVersion: job.Version })).map((e) => locate(e, member.nodes())) } : {}),
  };
}

function locate(e: Execution, nodes: readonly { id: string; url: string; alive: boolean }[]): ExecutionLocation {
  const n = nodes.find((x) => x.id === e.NodeID);
  return { ExecutionID: e.ID, NodeID: e.NodeID, NodeURL: n?.url ?? '', Reachable: n?.alive ?? false };
}

export function stopJob(runtime: Runtime, id: string, reason = '', namespace?: string): Promise<{ EvaluationID: string }> {
  return runtime.jobs().stop(id, reason, namespace);
}

export async function jobExecutions(runtime: Runtime, id: string, q: ExecutionsQuery = {}): Promise<Page<Execution>> {
  let items = await runtime.jobs().executions(id, { namespace: q.namespace, jobVersion: q.jobVersion ?? 0, allVersions: q.allVersions ?? false });
  if (q.orderBy === 'modified_at') items = items.sort((a, b) => a.ModifyTime - b.ModifyTime);
  if (q.reverse) items = items.reverse();
  return { Items: q.limit ? items.slice(0, q.limit) : items, NextToken: '' };
}

/** History events; NextToken stays until the job is terminal. */
export function jobHistory(runtime: Runtime, id: string, q: HistoryQuery & { readonly namespace?: string | undefined } = {}): Promise<Page<JobHistory>> {
  if (q.eventType !== undefined && !EVENT_TYPES.includes(q.eventType)) {
    throw new TahoError('TAHO_BAD_REQUEST', `invalid event_type: ${q.eventType}`, { hint: 'Use all, job or execution.' });
  }
  return runtime.jobs().history(id, q);
}

export async function jobResults(runtime: Runtime, id: string, namespace?: string): Promise<Page<SpecConfig>> {
  return { Items: await runtime.jobs().results(id, namespace), NextToken: '' };
}

export async function jobVersions(runtime: Runtime, id: string, namespace?: string): Promise<Page<Job>> {
  return { Items: await runtime.jobs().versions(id, namespace), NextToken: '' };
}

export function explainJob(runtime: Runtime, id: string, namespace?: string): Promise<JobExplanation> {
  return runtime.jobs().explain(id, namespace);
}

export function rerunJob(runtime: Runtime, id: string, options: { jobVersion?: number | undefined; reason?: string | undefined; namespace?: string | undefined } = {}): Promise<Rerun> {
  return runtime.jobs().rerun(id, options);
}

const NODE_ORDER: Readonly<Record<string, (n: NodeSnapshot) => string | number>> = {
  id: (n) => n.id, type: () => 'Compute', available_cpu: (n) => n.available.CPU, available_memory: (n) => n.available.Memory,
  available_disk: (n) => n.available.Disk, available_gpu: (n) => n.available.GPU, approval: () => 'APPROVED', status: () => 'CONNECTED',
};

/** This node, or in a cluster every node (a dead one DISCONNECTED until forgotten). */
async function allNodes(runtime: Runtime): Promise<NodeSnapshot[]> {
  const member = runtime.cluster();
  return member ? clusterNodes(member, runtime.computeNode()) : [runtime.computeNode()];
}

/** Compute nodes by label selector, approval and connection, ordered; `version` is the build they report. */
export async function listNodes(runtime: Runtime, version: string, q: NodesQuery = {}): Promise<NodeState[]> {
  const reqs = parseSelector(q.labels ?? '');
  if (typeof reqs === 'string') throw new TahoError('TAHO_BAD_REQUEST', reqs, { hint: 'Label selectors look like zone=eu,!gpu.' });
  const orderBy = q.orderBy ?? 'id';
  const key = NODE_ORDER[orderBy];
  if (!key) throw new TahoError('TAHO_BAD_REQUEST', `invalid order_by: ${orderBy}`, { hint: `Use one of ${Object.keys(NODE_ORDER).join(', ')}.` });
  const approval = q.approval?.toUpperCase();
  const status = q.status?.toUpperCase();
  let nodes = (await allNodes(runtime)).filter((n) => matches(n.labels, reqs))
    .filter(() => approval === undefined || approval === 'APPROVED')
    .filter((n) => status === undefined || (status === 'CONNECTED') === n.connected)
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (q.reverse) nodes = nodes.reverse();
  return (q.limit ? nodes.slice(0, q.limit) : nodes).map((n) => nodeState(n, version));
}

/** A node by id or id prefix. */
export async function getNode(runtime: Runtime, version: string, id: string): Promise<NodeState> {
  return nodeState(nodeByPrefix(await allNodes(runtime), id), version);
}
