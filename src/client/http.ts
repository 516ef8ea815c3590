import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import { ambiguousId, TahoError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { isUuid, looksLikeIdPrefix, matchIdPrefix } from '../shared/ids.js';
import type {
  AgentInfo, AgentInvokeRequest, AgentPage, AgentsQuery, TaskPage, AgentInvokeResponse, Client, ComponentInfo, ConfigView, InvokeRequest, InvokeResponse,
  OplogEntry, ReloadResult, ServiceInfo, StatusResponse, ComponentDetail,
} from './contract.js';
import type {
  Assigned, BacklogEntry, Explanation, Inbox, OrphanReport, PendingTask, Reclaimed, ReclaimRequest, Recovered, SendMessageRequest, ServerInfo, Spawned, SpawnRequest,
  TahoEvent, TaskFilter, TownEvent, TownStatus, TownTask, WatchOptions,
} from './contract.js';
import type { Answer, Answers, Operation, ParamNames } from '../server/contract/api-types.js';
import { toTownEvent } from './contract.js';
import type { Execution, HistoryQuery, Job, JobDescription, JobExplanation, JobHistory, JobLogOptions, ListQuery, LogLine, NodeState, Page, Rerun, SpecConfig, SubmitResult } from './contract.js';

/** The Client over a taho server's HTTP API: the same answers as LocalClient, from elsewhere. */
export class HttpClient implements Client {
  readonly #base: string;
  readonly #headers: Record<string, string>;

  constructor(url: string, options: { apiKey?: string | undefined } = {}) {
    this.#base = url.replace(/\/+$/, '').replace(/\/api$/, '');
    this.#headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  }

  invoke({ domain, service, method, input }: InvokeRequest): Promise<InvokeResponse> {
    return this.#call('POST /api/services/:domain/:service/invoke/:method', { params: { domain, service, method }, body: input });
  }

  services(): Promise<ServiceInfo[]> {
    return this.#call('GET /api/services');
  }

  components(): Promise<ComponentInfo[]> {
    return this.#call('GET /api/components');
  }

  component(ref: string): Promise<ComponentDetail> {
    return this.#call('GET /api/components/:ref', { params: { ref: ref.replace('/', '.') } });
  }

  async addComponent(name: string, bytes: Uint8Array): Promise<ComponentDetail> {
    const view = await this.#call('POST /v1/components', { query: { name }, body: bytes, type: 'application/wasm' });
    return this.component(view.versionedComponentId.componentId);
  }

  reload(): Promise<ReloadResult> {
    return this.#call('POST /api/reload');
  }

  config(): Promise<ConfigView> {
    return this.#call('GET /api/config');
  }

  restart(domain: string, service: string, config?: string): Promise<StatusResponse> {
    return this.#call('POST /api/services/:domain/:service/restart', { params: { domain, service }, body: config, type: 'text/plain' });
  }

  quiesce(domain: string, service: string): Promise<StatusResponse> {
    return this.#call('PUT /api/services/:domain/:service/quiesce', { params: { domain, service } });
  }

  async agentInvoke(r: AgentInvokeRequest): Promise<AgentInvokeResponse> {
    // The server takes the component's name where Golem takes its UUID: one request per call.
    const call = {
      params: { component_id: await this.#componentRef(r.component), worker_name: r.agent }, query: { function: r.fn },
      body: { params: r.args.map((value) => ({ value })) }, headers: r.key === undefined ? {} : { 'idempotency-key': r.key },
    };
    if (!r.wait) {
      await this.#call(`POST ${WORKER}/invoke`, call);
      return {};
    }
    const answer = await this.#call(`POST ${WORKER}/invoke-and-await`, call);
    return answer.result === undefined ? {} : { result: answer.result };
  }

  async agents(q: AgentsQuery = {}): Promise<AgentPage> {
    return this.#call('GET /api/agents', { query: { component: q.component, after: q.after, limit: q.limit } });
  }

  async jobCounts(): Promise<Record<string, number>> {
    return (await this.#call('GET /api/jobs/counts')).counts;
  }

  async agent(component: string, agent: string): Promise<AgentInfo> {
    const c = await this.#component(component);
    return toInfo(c.name, await this.#call(`GET ${WORKER}`, { params: { component_id: c.id, worker_name: agent } }));
  }

  async deleteAgent(component: string, agent: string): Promise<void> {
    await this.#call(`DELETE ${WORKER}`, { params: { component_id: await this.#componentRef(component), worker_name: agent } });
  }

  async cancelInvocation(component: string, agent: string, key: string): Promise<{ canceled: boolean }> {
    return this.#call(`DELETE ${WORKER}/invocations/:idempotency_key`, { params: { component_id: await this.#componentRef(component), worker_name: agent, idempotency_key: key } });
  }

  async oplog(component: string, agent: string): Promise<OplogEntry[]> {
    return (await this.#call('GET /api/agents/:ref/:agent/oplog', { params: { ref: await this.#componentRef(component), agent } })).entries;
  }

  async #components(): Promise<{ id: string; name: string }[]> {
    return (await this.#call('GET /v1/components')).map((c) => ({ id: c.versionedComponentId.componentId, name: c.componentName }));
  }

  readonly inProcess = false;

  submitJob(job: unknown, options: { force?: boolean | undefined; idempotencyKey?: string | undefined } = {}): Promise<SubmitResult> {
    return this.#call(`PUT ${JOBS}`, { body: { Job: job, Force: options.force ?? false }, headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {} });
  }

  jobs(q: ListQuery = {}): Promise<Page<Job>> {
    return this.#call(`GET ${JOBS}`, { query: { namespace: q.namespace, labels: q.labels, limit: q.limit, next_token: q.nextToken, order_by: q.orderBy, reverse: q.reverse } });
  }

  describeJob(id: string): Promise<JobDescription> {
    return this.#call(`GET ${JOBS}/:id`, { params: { id }, query: { include: 'executions,history' } });
  }

  stopJob(id: string, reason = ''): Promise<{ EvaluationID: string }> {
    return this.#call(`DELETE ${JOBS}/:id`, { params: { id }, body: { reason } });
  }

  async jobExecutions(id: string): Promise<Execution[]> {
    return (await this.#call(`GET ${JOBS}/:id/executions`, { params: { id } })).Items;
  }

  jobHistory(id: string, q: HistoryQuery = {}): Promise<Page<JobHistory>> {
    return this.#call(`GET ${JOBS}/:id/history`, {
      params: { id },
      query: { since: q.since, event_type: q.eventType, execution_id: q.executionId, limit: q.limit, next_token: q.nextToken, job_version: q.jobVersion, all_job_versions: q.allVersions },
    });
  }

  async jobResults(id: string): Promise<SpecConfig[]> {
    return (await this.#call(`GET ${JOBS}/:id/results`, { params: { id } })).Items;
  }

  rerunJob(id: string, reason?: string): Promise<Rerun> {
    return this.#call(`PUT ${JOBS}/:id/rerun`, { params: { id }, body: reason === undefined ? {} : { Reason: reason } });
  }

  explainJob(id: string): Promise<JobExplanation> {
    return this.#call(`GET ${JOBS}/:id/explain`, { params: { id } });
  }

  /**
   * Server-sent events; when the connection drops mid-follow, it reconnects with Last-Event-ID
   * and goes on after the last line it delivered (a few tries, then it gives up with an error).
   */
  /** Over SSE; a follow that drops resumes after the last line it delivered. */
  async *jobLogs(id: string, options: JobLogOptions): AsyncGenerator<LogLine> {
    const url = (last: string | undefined) => `${JOBS}/${seg(id)}/logs${query({ execution_id: options.executionId, follow: options.follow, tail: last === undefined ? options.tail : undefined })}`;
    for await (const ev of this.#sse(url, undefined, { signal: options.signal, resume: true, what: 'the log stream' })) {
      if (ev.event !== 'log') continue;
      const line = JSON.parse(ev.data) as { Type: 1 | 2; Line: string };
      yield { Type: line.Type, Line: line.Line, cursor: ev.id ?? '' };
    }
  }


  async nodes(): Promise<NodeState[]> {
    return (await this.#call('GET /api/v1/orchestrator/nodes')).Nodes;
  }

  async node(id: string): Promise<NodeState> {
    return (await this.#call('GET /api/v1/orchestrator/nodes/:id', { params: { id } })).Node;
  }

  townStatus(): Promise<TownStatus> {
    return this.#call('GET /v1/status');
  }

  spawnAgent(request: SpawnRequest): Promise<Spawned> {
    return this.#call('POST /v1/agents', { body: request });
  }

  async killAgent(agent: string): Promise<void> {
    await this.#call('POST /v1/agents/:agent/kill', { params: { agent } });
  }

  async restartAgent(agent: string): Promise<void> {
    await this.#call('POST /v1/agents/:agent/restart', { params: { agent } });
  }

  pruneAgents(all?: boolean): Promise<{ removed: number; agents: string[] }> {
    return this.#call('POST /v1/agents/prune', { body: all === undefined ? {} : { all } });
  }

  assignTask(agent: string, task: string, urgent?: boolean): Promise<Assigned> {
    return this.#call('POST /v1/tasks/assign', { body: { agent, task, ...(urgent === undefined ? {} : { urgent }) } });
  }

  sendMessage(request: SendMessageRequest): Promise<{ message_id: string; to_agent: string; urgent: boolean }> {
    return this.#call('POST /v1/messages/send', { body: request });
  }

  inbox(agent: string): Promise<Inbox> {
    return this.#call('GET /v1/agents/:agent/inbox', { params: { agent } });
  }

  async backlog(): Promise<BacklogEntry[]> {
    return (await this.#call('GET /v1/backlog')).backlog;
  }

  backlogAdd(description: string, tags: readonly string[] = []): Promise<{ task_id: string; description: string }> {
    return this.#call('POST /v1/backlog', { body: { description, tags } });
  }

  backlogClaim(taskId: string, agent: string): Promise<Assigned> {
    return this.#call('POST /v1/backlog/:task_id/claim', { params: { task_id: taskId }, body: { agent } });
  }

  backlogAssignAll(agent: string): Promise<{ assigned: number; tasks: string[] }> {
    return this.#call('POST /v1/backlog/assign-all', { body: { agent } });
  }

  backlogRemove(taskId: string): Promise<{ removed: true; task_id: string }> {
    return this.#call('DELETE /v1/backlog/:task_id', { params: { task_id: taskId } });
  }

  async tasks(filter: TaskFilter = {}): Promise<TaskPage> {
    const page = await this.#call('GET /v1/tasks', { query: { state: filter.state, agent: filter.agent, after: filter.after, limit: filter.limit } });
    return page.next === undefined ? { tasks: page.tasks } : { tasks: page.tasks, next: page.next };
  }

  task(id: string): Promise<TownTask> {
    return this.#call('GET /v1/tasks/:id', { params: { id } });
  }

  completeTask(id: string, result?: string): Promise<TownTask> {
    return this.#call('POST /v1/tasks/:id/complete', { params: { id }, body: result === undefined ? {} : { result } });
  }

  async pendingTasks(): Promise<PendingTask[]> {
    return (await this.#call('GET /v1/tasks/pending')).tasks;
  }

  recover(options: { dryRun?: boolean | undefined } = {}): Promise<Recovered> {
    return this.#call('POST /v1/recover', { query: { dry_run: options.dryRun === true ? 'true' : undefined } });
  }

  reclaim(request: ReclaimRequest): Promise<Reclaimed> {
    return this.#call('POST /v1/reclaim', {
      body: {
        ...(request.to === undefined ? {} : { to: request.to }),
        ...(request.toBacklog === undefined ? {} : { to_backlog: request.toBacklog }),
        ...(request.from === undefined ? {} : { from: request.from }),
      },
    });
  }

  orphans(action?: string): Promise<OrphanReport> {
    return this.#call('POST /v1/reclaim/orphan-tasks', { body: action === undefined ? {} : { action } });
  }

  explain(id: string): Promise<Explanation> {
    return this.#call('GET /v1/explain/:id', { params: { id } });
  }

  async roundLog(agent: string, round?: number): Promise<string> {
    const path = `/v1/agents/${seg(agent)}/logs${query({ round })}`;
    let res: Response;
    try {
      res = await fetch(`${this.#base}${path}`, { headers: { ...this.#headers, accept: 'text/plain' } });
    } catch (err) {
      throw unreachable(this.#base, err);
    }
    const text = await res.text();
    if (res.ok) return text;
    throw fromErrorBody(res.status, parse(text), `GET ${path} answered ${res.status}`);
  }

  /** From `/health`, `/ready` and `/v1/stats`; what cannot be read (an older server) is left out rather than failing. */
  async serverInfo(): Promise<ServerInfo> {
    const [health, ready, stats] = await Promise.all([
      this.#call('GET /health').catch(() => undefined), this.#call('GET /ready').catch(() => undefined), this.#call('GET /v1/stats').catch(() => undefined),
    ]);
    const s = stats?.invocations;
    return {
      ...(health ? { uptimeSecs: health.uptime_secs } : {}),
      ...(ready ? { dispatcher: ready.dispatcher, auth: ready.auth } : {}),
      ...(ready?.store === undefined ? {} : { store: ready.store }),
      ...(ready?.store_latency_ms === undefined ? {} : { storeLatencyMs: ready.store_latency_ms }),
      ...(s ? {
        invocations: {
          windowS: s.window_s, perSecond: s.per_second, errorsPerSecond: s.errors_per_second, count: s.count, errors: s.errors,
          p50Ms: s.p50_ms ?? undefined, p99Ms: s.p99_ms ?? undefined,
        },
      } : {}),
    };
  }

  async *townEvents(options: { after?: number | undefined; follow: boolean; signal?: AbortSignal | undefined }): AsyncGenerator<TownEvent> {
    for await (const e of this.watch({ after: options.after, kinds: ['town'], follow: options.follow, signal: options.signal })) yield toTownEvent(e);
  }

  /**
   * The event stream over SSE. A follow that drops reconnects with Last-Event-ID and goes on
   * after the last event it delivered; a finite read (`follow: false`) ends with the server's
   * `end`, and one that drops before it is an error.
   */
  async *watch(options: WatchOptions = {}): AsyncGenerator<TahoEvent> {
    const follow = options.follow !== false;
    // `latest` is resolved by the server on the first connection; resumes use the ids seen.
    const url = (last: string | undefined) => `/v1/events${query({
      kind: options.kinds?.join(','), subject: options.subject, follow: follow ? undefined : 'false',
      after: last === undefined && options.after === 'latest' ? 'latest' : undefined,
    })}`;
    const first = options.after === 'latest' ? undefined : String(options.after ?? 0);
    for await (const ev of this.#sse(url, first, { signal: options.signal, resume: follow, what: 'the event stream', onOpen: options.onLive })) {
      // Stored events carry their id; live-only `log` events none.
      if ((ev.id !== undefined || ev.event === 'log') && ev.data.startsWith('{')) yield JSON.parse(ev.data) as TahoEvent;
    }
  }

  /**
   * One SSE stream that survives dropped connections: it reconnects with Last-Event-ID (`url`
   * gets the last id, undefined before the first) until the server's `end`. Without `resume` a
   * drop is an error; with it, five failures in a row are.
   */
  async *#sse(url: (last: string | undefined) => string, first: string | undefined, options: { signal?: AbortSignal | undefined; resume: boolean; what: string; onOpen?: (() => void) | undefined }): AsyncGenerator<{ event: string; data: string; id: string | undefined }> {
    let last = first;
    let failures = 0;
    let opened = false;
    const retry = async (err?: unknown): Promise<void> => {
      if (!options.resume || ++failures > 5) {
        throw err ?? new TahoError('TAHO_SERVER_UNREACHABLE', `${options.what} from ${this.#base} ${options.resume ? 'keeps dropping' : 'ended early'}`, {
          hint: options.resume ? 'Check the server; following resumes where it stopped.' : 'Run the command again.',
        });
      }
      await new Promise((r) => setTimeout(r, 200 * failures));
    };
    for (;;) {
      let res: Response;
      try {
        res = await fetch(`${this.#base}${url(last)}`, {
          headers: { ...this.#headers, accept: 'text/event-stream', ...(last === undefined ? {} : { 'last-event-id': last }) },
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (err) {
        if (options.signal?.aborted) return;
        await retry(unreachable(this.#base, err));
        continue;
      }
      if (!res.ok) {
        const err = fromErrorBody(res.status, parse(await res.text()), `GET ${url(last)} answered ${res.status}`);
        // A server stopping or starting answers 503: a follow tries again as after a drop.
        if (res.status !== 503 || !options.resume) throw err;
        await retry();
        continue;
      }
      // The server fixed the stream's starting point before it answered.
      if (!opened) {
        opened = true;
        options.onOpen?.();
      }
      try {
        for await (const ev of sseEvents(res)) {
          if (ev.event === 'end') return;
          if (ev.event === 'error') throw new TahoError('TAHO_INTERNAL', `${options.what} failed: ${ev.data}`);
          if (ev.id !== undefined) {
            last = ev.id;
            failures = 0;
          }
          yield ev;
        }
      } catch (err) {
        if (err instanceof TahoError) throw err;
        // dropped (or aborted): resume from the last id
      }
      if (options.signal?.aborted) return;
      await retry();
    }
  }

  /** A name or full id goes to the server as given; a short id is resolved first (one more request). */
  async #componentRef(ref: string): Promise<string> {
    return isUuid(ref) || ref.includes('/') || ref.includes('.') || !looksLikeIdPrefix(ref) ? ref : (await this.#component(ref)).id;
  }

  async #component(ref: string): Promise<{ id: string; name: string }> {
    const all = await this.#components();
    const named = all.find((c) => c.id === ref || c.name === ref);
    if (named) return named;
    const found = looksLikeIdPrefix(ref) ? matchIdPrefix(ref, all, (c) => c.id).found : [];
    if (found.length > 1) throw ambiguousId('component', ref, found.map((c) => c.id));
    if (found[0]) return found[0];
    throw new TahoError('TAHO_COMPONENT_NOT_FOUND', `no component ${ref}`, { hint: '`taho components` lists component ids and names.' });
  }

  async close(): Promise<void> {}

  /**
   * One operation of the API by its route key: the method and path come from the key, the answer's
   * type from the route's response schema (api-types.ts). The body is trusted to match its schema
   * here, the one place the wire meets the types; the server's serializer writes it from that
   * schema and the OpenAPI contract test validates live answers against it.
   */
  #call<K extends Operation>(op: K, options?: CallOptions & NoInfer<ParamsOf<K>>): Promise<NoInfer<Answers[K]>> {
    const o: CallOptions = options ?? {};
    const space = op.indexOf(' ');
    const params: Readonly<Record<string, string>> = o.params ?? {};
    const path = op.slice(space + 1).replace(/:([A-Za-z_]+)/g, (_, name: string) => seg(params[name] ?? ''));
    return this.#request(op.slice(0, space), `${path}${query(o.query ?? {})}`, o.body, o.type, o.headers) as Promise<Answers[K]>;
  }

  async #request(method: string, path: string, body?: unknown, type = 'application/json', extra: Readonly<Record<string, string>> = {}): Promise<unknown> {
    const url = `${this.#base}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { accept: 'application/json', ...this.#headers, ...extra, ...(body === undefined ? {} : { 'content-type': type }) },
        ...(body === undefined ? {} : { body: body instanceof Uint8Array ? body : type === 'application/json' ? JSON.stringify(body) : String(body) }),
      });
    } catch (err) {
      throw unreachable(this.#base, err);
    }
    const text = await res.text();
    const data = parse(text);
    if (res.ok) return data;
    throw fromErrorBody(res.status, data, `${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
  }
}

interface CallOptions {
  readonly params?: Readonly<Record<string, string>> | undefined;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
  readonly body?: unknown;
  readonly type?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** A route with `:params` needs them all, by name. */
type ParamsOf<K extends Operation> = [ParamNames<K>] extends [never] ? { readonly params?: undefined } : { readonly params: Readonly<Record<ParamNames<K>, string>> };

const WORKER = '/v1/components/:component_id/workers/:worker_name';
const JOBS = '/api/v1/orchestrator/jobs';

function unreachable(base: string, err: unknown): TahoError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return new TahoError('TAHO_SERVER_UNREACHABLE', `cannot reach taho at ${base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, {
    hint: 'Is `taho serve` running there? Check --url / TAHO_URL.',
  });
}

function query(params: Readonly<Record<string, string | number | boolean | undefined>>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * A text/event-stream body as events, by eventsource-parser (the WHATWG parsing rules: `\r\n`,
 * `data:` without a space, comment lines, multi-line data) rather than a hand-written split.
 */
async function* sseEvents(res: Response): AsyncGenerator<{ event: string; data: string; id: string | undefined }> {
  if (!res.body) return;
  const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for await (const e of events as unknown as AsyncIterable<EventSourceMessage>) {
    yield { event: e.event ?? 'message', data: e.data, id: e.id };
  }
}

/** TAHO's `{error: {code, message, hint}}`, or Golem's `{error}` / `{errors}` / `{error, workerError}`. */
function fromErrorBody(status: number, data: unknown, fallback: string): TahoError {
  const body = (data ?? {}) as { error?: unknown; errors?: unknown; workerError?: { cause?: string }; Message?: unknown; Hint?: string; Details?: { code?: string }; code?: string; hint?: string };
  const problem = data as { detail?: unknown; hint?: string; title?: unknown; code?: string } | undefined;
  if (problem && typeof problem.detail === 'string' && typeof problem.title === 'string') {
    // Tinytown's ProblemDetails, with taho's code as an extension member.
    const code: ErrorCode = problem.code && problem.code in ERROR_CODES ? problem.code as ErrorCode : status === 404 ? (/^Task/.test(problem.detail) ? 'TAHO_TASK_NOT_FOUND' : 'TAHO_AGENT_NOT_FOUND') : status === 409 ? 'TAHO_CONFLICT' : status === 400 ? 'TAHO_BAD_REQUEST' : 'TAHO_INTERNAL';
    return new TahoError(code, problem.detail, { hint: problem.hint });
  }
  if (typeof body.Message === 'string') {
    // Bacalhau's APIError; taho puts its own code in Details.code.
    const code = (body.Details?.code && body.Details.code in ERROR_CODES ? body.Details.code : status === 404 ? 'TAHO_JOB_NOT_FOUND' : status === 409 ? 'TAHO_CONFLICT' : status === 400 ? 'TAHO_BAD_REQUEST' : 'TAHO_INTERNAL') as ErrorCode;
    return new TahoError(code, body.Message, { hint: body.Hint });
  }
  if (typeof body.error === 'object' && body.error !== null) {
    const e = body.error as { code?: string; message?: string; hint?: string; details?: unknown };
    const code = (e.code && e.code in ERROR_CODES ? e.code : 'TAHO_INTERNAL') as ErrorCode;
    return new TahoError(code, e.message ?? fallback, { hint: e.hint, details: e.details });
  }
  const message = body.workerError?.cause ?? (Array.isArray(body.errors) ? body.errors.join('; ') : typeof body.error === 'string' ? body.error : fallback);
  if (body.code && body.code in ERROR_CODES) return new TahoError(body.code as ErrorCode, message, { hint: body.hint });
  // A server without taho's code (an older taho, or Golem itself): the status is all there is.
  const code: ErrorCode = status === 400 ? 'TAHO_BAD_ARGUMENTS' : status === 401 ? 'TAHO_UNAUTHORIZED' : status === 403 ? 'TAHO_FORBIDDEN'
    : status === 404 ? 'TAHO_AGENT_NOT_FOUND' : status === 409 ? 'TAHO_INVOCATION_CANCELED' : body.workerError ? 'TAHO_COMPONENT_ERROR' : 'TAHO_INTERNAL';
  return new TahoError(code, message);
}

type WorkerMeta = Answer<'GET /v1/components/:component_id/workers/:worker_name'>;

function toInfo(component: string, w: WorkerMeta): AgentInfo {
  return {
    component, componentId: w.workerId.componentId, agent: w.workerId.workerName, status: w.status,
    pending: w.pendingInvocationCount, oplogSize: w.oplogSize ?? 0, createdAt: w.createdAt, args: w.args ?? [], env: w.env ?? {},
    memoryBytes: w.totalLinearMemorySize ?? 0,
  };
}

function seg(s: string): string {
  return encodeURIComponent(s);
}

function parse(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
