import { listJobs } from '../../core/jobs/list.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Runtime } from '../../core/runtime.js';
import { openSse } from '../sse.js';
import { TahoError } from '../../core/errors.js';
import { buildVersion, nodeInfo } from '../../core/jobs/views.js';
import type { Orchestrator, Page } from '../../core/jobs/orchestrator.js';
import type { JobHistory } from '../../core/jobs/model.js';
import * as use from '../../core/usecases/jobs.js';

const BASE = '/api/v1/orchestrator';
const tags = ['jobs'];
type Query = Record<string, string | string[] | undefined>;
/** Bacalhau's Job spec (wire/bacalhau.md §3); validated by the orchestrator, which names every problem. */
const jobSpec = { type: 'object', additionalProperties: true, description: 'Bacalhau\'s Job: Name, Type, Count, Tasks [{Name, Engine, Publisher, InputSources, ResultPaths, Resources, Timeouts, Env}], Constraints, Labels, Meta' } as const;

type Req = FastifyRequest<{ Params: { id: string }; Querystring: Query; Body: unknown }>;

/** Bacalhau's orchestrator and agent API (wire/bacalhau.md) over the jobs core. */
export function jobsRoutes(app: FastifyInstance, runtime: Runtime, version: string): void {
  const jobs = (): Orchestrator => runtime.jobs();

  for (const method of ['PUT', 'POST'] as const) {
    app.route<{ Body: { Job?: unknown; Force?: boolean } }>({
      method, url: `${BASE}/jobs`,
      schema: { tags, summary: 'Submit a job ({Job, Force}); Idempotency-Key returns the first JobID', body: { type: 'object', properties: { Job: jobSpec, Force: { type: 'boolean' } } } },
      handler: async (req) => {
        const meta: Record<string, string> = {};
        const installation = req.headers['x-bacalhau-installationid'];
        const instance = req.headers['x-bacalhau-instanceid'];
        if (typeof installation === 'string') meta['bacalhau.org/client.installation.id'] = installation;
        if (typeof instance === 'string') meta['bacalhau.org/client.instance.id'] = instance;
        const key = req.headers['idempotency-key'];
        return await use.submitJob(runtime, req.body?.Job, { force: req.body?.Force, meta, idempotencyKey: typeof key === 'string' ? key : undefined });
      },
    });
  }

  app.get(`${BASE}/jobs`, { schema: { tags, summary: 'Jobs: labels selector, limit, next_token, order_by, reverse, namespace' } }, async (req: Req) => {
    const q = req.query;
    return use.listJobs(runtime, {
      namespace: one(q.namespace), labels: labelsOf(q), limit: int(q, 'limit'), nextToken: one(q.next_token),
      orderBy: one(q.order_by), reverse: bool(q, 'reverse'),
    });
  });

  app.put(`${BASE}/jobs/diff`, { schema: { tags, summary: 'What submitting this spec would change', body: { type: 'object', properties: { Job: jobSpec } } } }, async (req: FastifyRequest<{ Body: { Job?: unknown } }>) => {
    if (req.body?.Job === undefined) throw new TahoError('TAHO_BAD_REQUEST', 'the request has no Job', { hint: 'Send {"Job": {...}}.' });
    return jobs().diff(req.body.Job);
  });

  app.get(`${BASE}/jobs/:id`, { schema: { tags, summary: 'A job; include=history,executions' } }, async (req: Req) => {
    const q = req.query;
    const include = (one(q.include) ?? '').split(',').map((s) => s.trim()).filter((s) => s === 'history' || s === 'executions');
    const d = await use.describeJob(runtime, req.params.id, { namespace: one(q.namespace), jobVersion: int(q, 'job_version'), include });
    return d.History ? { ...d, History: compatHistory(req, d.History) } : d;
  });

  app.delete(`${BASE}/jobs/:id`, { schema: { tags, summary: 'Stop a job (reason in the body or the query)' } }, async (req: Req) => {
    const body = (req.body ?? {}) as { reason?: unknown };
    const reason = typeof body.reason === 'string' ? body.reason : one(req.query.reason) ?? '';
    return use.stopJob(runtime, req.params.id, reason, one(req.query.namespace));
  });

  app.get(`${BASE}/jobs/:id/executions`, { schema: { tags, summary: 'Executions of a job' } }, async (req: Req) => {
    const q = req.query;
    return use.jobExecutions(runtime, req.params.id, {
      namespace: one(q.namespace), jobVersion: int(q, 'job_version'), allVersions: bool(q, 'all_job_versions'), orderBy: one(q.order_by), reverse: bool(q, 'reverse'), limit: int(q, 'limit'),
    });
  });

  app.get(`${BASE}/jobs/:id/history`, { schema: { tags, summary: 'History events; NextToken stays until the job is terminal' } }, async (req: Req) => {
    const q = req.query;
    return compatHistory(req, await use.jobHistory(runtime, req.params.id, {
      namespace: one(q.namespace), jobVersion: int(q, 'job_version'), allVersions: bool(q, 'all_job_versions'), since: int(q, 'since'),
      eventType: one(q.event_type), executionId: one(q.execution_id), limit: int(q, 'limit'), nextToken: one(q.next_token),
    }));
  });

  app.get(`${BASE}/jobs/:id/results`, { schema: { tags, summary: 'Where the results are (local publisher)' } }, async (req: Req) =>
    use.jobResults(runtime, req.params.id, one(req.query.namespace)));

  app.get(`${BASE}/jobs/:id/versions`, { schema: { tags, summary: 'Every version of a job' } }, async (req: Req) =>
    use.jobVersions(runtime, req.params.id, one(req.query.namespace)));

  app.get(`${BASE}/jobs/:id/explain`, { schema: { tags, summary: 'Why a job is where it is: queue position, each node\'s verdict, time left' } }, async (req: Req) =>
    use.explainJob(runtime, req.params.id, one(req.query.namespace)));

  app.put(`${BASE}/jobs/:id/rerun`, { schema: { tags, summary: 'Run a finished job again as a new version', body: { type: ['object', 'null'], properties: { JobVersion: { type: 'integer' }, Reason: { type: 'string' } } } } }, async (req: Req) => {
    const body = (req.body ?? {}) as { JobVersion?: unknown; Reason?: unknown };
    return use.rerunJob(runtime, req.params.id, {
      jobVersion: typeof body.JobVersion === 'number' ? body.JobVersion : undefined,
      reason: typeof body.Reason === 'string' ? body.Reason : undefined,
      namespace: one(req.query.namespace),
    });
  });

  app.route({
    method: 'GET', url: `${BASE}/jobs/:id/logs`,
    schema: { tags, summary: 'Logs: a WebSocket of Bacalhau frames, or SSE (Accept: text/event-stream) resumable with Last-Event-ID' },
    handler: async (req: Req, reply: FastifyReply) => sseLogs(jobs(), req, reply),
    wsHandler: (socket: WebSocket, req: FastifyRequest) => wsLogs(jobs(), socket, req as Req),
  });

  app.get(`${BASE}/nodes`, { schema: { tags, summary: 'Compute nodes' } }, async (req: Req) => {
    const q = req.query;
    const nodes = await use.listNodes(runtime, version, {
      labels: labelsOf(q), orderBy: one(q.order_by), reverse: bool(q, 'reverse'), limit: int(q, 'limit'),
      approval: one(q['filter-approval']), status: one(q['filter-status']),
    });
    return { NextToken: '', Nodes: nodes };
  });

  app.get(`${BASE}/nodes/:id`, { schema: { tags, summary: 'A node (id prefix)' } }, async (req: Req) => ({ Node: await use.getNode(runtime, version, req.params.id) }));

  const AGENT = '/api/v1/agent';
  app.get(`${AGENT}/alive`, { schema: { tags, summary: 'Liveness' } }, async () => ({ Status: 'OK' }));
  app.get(`${AGENT}/version`, { schema: { tags, summary: 'Build version' } }, async () => buildVersion(version));
  app.get(`${AGENT}/node`, { schema: { tags, summary: 'This node' } }, async () => nodeInfo(runtime.computeNode(), version));
  app.get(`${AGENT}/config`, { schema: { tags, summary: 'The jobs configuration' } }, async () => ({ config: { jobs: runtime.config.jobs, limits: runtime.config.limits } }));
}

/**
 * Bacalhau clients below v1.5 expect JobState and ExecutionState on every history item
 * (`backwardCompatibleHistoryIfNecessary`): they get placeholders where an item has none.
 */
function compatHistory(req: FastifyRequest, page: Page<JobHistory>): Page<JobHistory> {
  const v = req.headers['x-bacalhau-git-version'];
  if (typeof v !== 'string' || !/^v?(0\.|1\.[0-4]\.)/.test(v)) return page;
  return {
    ...page,
    Items: page.Items.map((h) => ({ ...h, JobState: h.JobState ?? { Previous: 'Undefined', New: 'Undefined' }, ExecutionState: h.ExecutionState ?? { Previous: 0, New: 0 } })),
  };
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.at(-1) : v;
}

/** Repeated `labels` parameters are joined with commas, as Bacalhau does. */
function labelsOf(q: Query): string | undefined {
  const v = q.labels;
  return v === undefined ? undefined : [v].flat().join(',');
}

function int(q: Query, key: string): number | undefined {
  const v = one(q[key]);
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,12}$/.test(v)) throw new TahoError('TAHO_BAD_REQUEST', `${key} must be a whole number ≥ 0, got "${v}"`, { hint: `Fix the ${key} query parameter.` });
  return Number(v);
}

function bool(q: Query, key: string): boolean | undefined {
  const v = one(q[key]);
  if (v === undefined) return undefined;
  if (v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new TahoError('TAHO_BAD_REQUEST', `${key} must be true or false, got "${v}"`, { hint: `Fix the ${key} query parameter.` });
}

function logOptions(req: Req): { executionId: string | undefined; follow: boolean; tail: number | undefined; namespace: string | undefined } {
  const q = req.query;
  return { executionId: one(q.execution_id), follow: bool(q, 'follow') ?? false, tail: int(q, 'tail'), namespace: one(q.namespace) };
}

/**
 * SSE: one `log` event per line, its id the resume cursor; a reconnect with Last-Event-ID picks
 * up after the last line received. The stream ends with an `end` event.
 */
async function sseLogs(jobs: Orchestrator, req: Req, reply: FastifyReply): Promise<void> {
  const o = logOptions(req);
  await jobs.logExecution(req.params.id, o.executionId, o.namespace); // unknown job or execution: a plain error, before the stream starts
  const last = req.headers['last-event-id'];
  const sse = openSse(req, reply);
  try {
    for await (const line of jobs.logs(req.params.id, { ...o, cursor: typeof last === 'string' ? last : undefined, signal: sse.closed })) {
      sse.send('log', { Type: line.Type, Line: line.Line }, line.cursor);
    }
    sse.send('end', {});
  } catch (err) {
    sse.send('error', { error: (err as Error).message });
  }
  sse.end();
}

/** Bacalhau's frames: `{"value":{"Type":1,"Line":"…"}}`; on failure one `{"error":"…"}`, then a normal close. */
function wsLogs(jobs: Orchestrator, socket: WebSocket, req: Req): void {
  const abort = new AbortController();
  socket.on('close', () => abort.abort());
  void (async () => {
    try {
      const o = logOptions(req);
      for await (const line of jobs.logs(req.params.id, { ...o, signal: abort.signal })) {
        if (socket.readyState !== socket.OPEN) return;
        socket.send(JSON.stringify({ value: { Type: line.Type, Line: line.Line } }));
      }
    } catch (err) {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ error: (err as Error).message }));
    }
    if (socket.readyState === socket.OPEN) socket.close(1000);
  })();
}
