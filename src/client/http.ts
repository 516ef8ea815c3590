import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import { ambiguousId, TahoError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { isUuid, looksLikeIdPrefix, matchIdPrefix } from '../shared/ids.js';
import type {
  AgentInfo, AgentInvokeRequest, AgentPage, AgentsQuery, TaskPage, TasksQuery, AgentInvokeResponse, Client, ComponentInfo, ConfigView, InvokeRequest, InvokeResponse,
  OplogEntry, ReloadResult, ServiceInfo, StatusResponse, ComponentDetail,
} from './contract.js';
import type { BacklogEntry, Explanation, InboxItem, PendingTask, SendMessageRequest, SpawnRequest, InvocationSnapshot, ServerInfo, TahoEvent, TownEvent, TownStatus, TownTask, WatchOptions } from './contract.js';
import { toTownEvent } from './contract.js';
import type { HeldTask, Orphan, OrphanAction } from '../core/town/recovery.js';
import type { Execution, HistoryQuery, Job, JobDescription, JobExplanation, JobHistory, JobLogOptions, ListQuery, LogLine, NodeState, Page, SpecConfig, SubmitResult } from './contract.js';

/** The Client over a taho server's HTTP API: the same answers as LocalClient, from elsewhere. */
export class HttpClient implements Client {
  readonly #base: string;
  readonly #headers: Record<string, string>;

  constructor(url: string, options: { apiKey?: string | undefined } = {}) {
    this.#base = url.replace(/\/+$/, '').replace(/\/api$/, '');
    this.#headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  }

  invoke({ domain, service, method, input }: InvokeRequest): Promise<InvokeResponse> {
    return this.#request('POST', `/api/services/${seg(domain)}/${seg(service)}/invoke/${seg(method)}`, input);
  }

  services(): Promise<ServiceInfo[]> {
    return this.#request('GET', '/api/services');
  }

  components(): Promise<ComponentInfo[]> {
    return this.#request('GET', '/api/components');
  }

  component(ref: string): Promise<ComponentDetail> {
    return this.#request('GET', `/api/components/${seg(ref.replace('/', '.'))}`);
  }

  async addComponent(name: string, bytes: Uint8Array): Promise<ComponentDetail> {
    const view = await this.#request<{ versionedComponentId: { componentId: string } }>('POST', `/v1/components?name=${seg(name)}`, bytes, 'application/wasm');
    return this.component(view.versionedComponentId.componentId);
  }

  reload(): Promise<ReloadResult> {
    return this.#request('POST', '/api/reload');
  }

  config(): Promise<ConfigView> {
    return this.#request('GET', '/api/config');
  }

  restart(domain: string, service: string, config?: string): Promise<StatusResponse> {
    return this.#request('POST', `/api/services/${seg(domain)}/${seg(service)}/restart`, config, 'text/plain');
  }

  quiesce(domain: string, service: string): Promise<StatusResponse> {
    return this.#request('PUT', `/api/services/${seg(domain)}/${seg(service)}/quiesce`);
  }

  async agentInvoke(r: AgentInvokeRequest): Promise<AgentInvokeResponse> {
    // The server takes the component's name where Golem takes its UUID: one request per call.
    return this.#request('POST', `${workerPath(await this.#componentRef(r.component), r.agent)}/${r.wait ? 'invoke-and-await' : 'invoke'}?function=${seg(r.fn)}`,
      { params: r.args.map((value) => ({ value })) }, 'application/json', r.key === undefined ? {} : { 'idempotency-key': r.key });
  }

  async agents(q: AgentsQuery = {}): Promise<AgentPage> {
    const params = new URLSearchParams();
    if (q.component !== undefined) params.set('component', q.component);
    if (q.after !== undefined) params.set('after', String(q.after));
    if (q.limit !== undefined) params.set('limit', String(q.limit));
    return this.#request('GET', `/api/agents${params.size > 0 ? `?${params}` : ''}`);
  }

  async jobCounts(): Promise<Record<string, number>> {
    return (await this.#request<{ counts: Record<string, number> }>('GET', '/api/jobs/counts')).counts;
  }

  async agent(component: string, agent: string): Promise<AgentInfo> {
    const c = await this.#component(component);
    return toInfo(c.name, await this.#request<WorkerMeta>('GET', workerPath(c.id, agent)));
  }

  async deleteAgent(component: string, agent: string): Promise<void> {
    await this.#request('DELETE', workerPath(await this.#componentRef(component), agent));
  }

  async cancelInvocation(component: string, agent: string, key: string): Promise<{ canceled: boolean }> {
    return this.#request('DELETE', `${workerPath(await this.#componentRef(component), agent)}/invocations/${seg(key)}`);
  }

  async oplog(component: string, agent: string): Promise<OplogEntry[]> {
    const { entries } = await this.#request<{ entries: OplogEntry[] }>('GET', `/api/agents/${seg(await this.#componentRef(component))}/${seg(agent)}/oplog`);
    return entries;
  }

  async #components(): Promise<{ id: string; name: string }[]> {
    const list = await this.#request<{ componentName: string; versionedComponentId: { componentId: string } }[]>('GET', '/v1/components');
    return list.map((c) => ({ id: c.versionedComponentId.componentId, name: c.componentName }));
  }

  readonly inProcess = false;

  submitJob(job: unknown, options: { force?: boolean | undefined; idempotencyKey?: string | undefined } = {}): Promise<SubmitResult> {
    return this.#request('PUT', JOBS, { Job: job, Force: options.force ?? false }, 'application/json', options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {});
  }

  jobs(q: ListQuery = {}): Promise<Page<Job>> {
    return this.#request('GET', `${JOBS}${query({ namespace: q.namespace, labels: q.labels, limit: q.limit, next_token: q.nextToken, order_by: q.orderBy, reverse: q.reverse })}`);
  }

  describeJob(id: string): Promise<JobDescription> {
    return this.#request('GET', `${JOBS}/${seg(id)}?include=executions,history`);
  }

  stopJob(id: string, reason = ''): Promise<{ EvaluationID: string }> {
    return this.#request('DELETE', `${JOBS}/${seg(id)}`, { reason });
  }

  async jobExecutions(id: string): Promise<Execution[]> {
    return (await this.#request<Page<Execution>>('GET', `${JOBS}/${seg(id)}/executions`)).Items;
  }

  jobHistory(id: string, q: HistoryQuery = {}): Promise<Page<JobHistory>> {
    return this.#request('GET', `${JOBS}/${seg(id)}/history${query({
      since: q.since, event_type: q.eventType, execution_id: q.executionId, limit: q.limit, next_token: q.nextToken, job_version: q.jobVersion, all_job_versions: q.allVersions,
    })}`);
  }

  async jobResults(id: string): Promise<SpecConfig[]> {
    return (await this.#request<Page<SpecConfig>>('GET', `${JOBS}/${seg(id)}/results`)).Items ?? [];
  }

  rerunJob(id: string, reason?: string): Promise<{ JobID: string; JobVersion: number; EvaluationID: string; Warnings: string[] }> {
    return this.#request('PUT', `${JOBS}/${seg(id)}/rerun`, reason === undefined ? {} : { Reason: reason });
  }

  explainJob(id: string): Promise<JobExplanation> {
    return this.#request('GET', `${JOBS}/${seg(id)}/explain`);
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
    return (await this.#request<{ Nodes: NodeState[] }>('GET', '/api/v1/orchestrator/nodes')).Nodes;
  }

  async node(id: string): Promise<NodeState> {
    return (await this.#request<{ Node: NodeState }>('GET', `/api/v1/orchestrator/nodes/${seg(id)}`)).Node;
  }

  townStatus(): Promise<TownStatus> {
    return this.#request('GET', '/v1/status');
  }

  async spawnAgent(request: SpawnRequest): Promise<{ agent_id: string; name: string; cli: string }> {
    // Tinytown's answer has more (role, nickname, parent); the contract is what LocalClient gives.
    const a = await this.#request<{ agent_id: string; name: string; cli: string }>('POST', '/v1/agents', request);
    return { agent_id: a.agent_id, name: a.name, cli: a.cli };
  }

  async killAgent(agent: string): Promise<void> {
    await this.#request('POST', `/v1/agents/${seg(agent)}/kill`);
  }

  async restartAgent(agent: string): Promise<void> {
    await this.#request('POST', `/v1/agents/${seg(agent)}/restart`);
  }

  pruneAgents(all?: boolean): Promise<{ removed: number; agents: string[] }> {
    return this.#request('POST', '/v1/agents/prune', all === undefined ? {} : { all });
  }

  assignTask(agent: string, task: string, urgent?: boolean): Promise<{ task_id: string; agent_id: string; agent_name: string }> {
    return this.#request('POST', '/v1/tasks/assign', { agent, task, ...(urgent === undefined ? {} : { urgent }) });
  }

  sendMessage(request: SendMessageRequest): Promise<{ message_id: string; to_agent: string; urgent: boolean }> {
    return this.#request('POST', '/v1/messages/send', request);
  }

  inbox(agent: string): Promise<{ agent: string; total: number; urgent: number; messages: InboxItem[] }> {
    return this.#request('GET', `/v1/agents/${seg(agent)}/inbox`);
  }

  async backlog(): Promise<BacklogEntry[]> {
    return (await this.#request<{ backlog: BacklogEntry[] }>('GET', '/v1/backlog')).backlog;
  }

  backlogAdd(description: string, tags: readonly string[] = []): Promise<{ task_id: string; description: string }> {
    return this.#request('POST', '/v1/backlog', { description, tags });
  }

  backlogClaim(taskId: string, agent: string): Promise<{ task_id: string; agent_id: string; agent_name: string }> {
    return this.#request('POST', `/v1/backlog/${seg(taskId)}/claim`, { agent });
  }

  backlogAssignAll(agent: string): Promise<{ assigned: number; tasks: string[] }> {
    return this.#request('POST', '/v1/backlog/assign-all', { agent });
  }

  backlogRemove(taskId: string): Promise<{ removed: boolean; task_id: string }> {
    return this.#request('DELETE', `/v1/backlog/${seg(taskId)}`);
  }

  async tasks(q: TasksQuery = {}): Promise<TaskPage> {
    const page = await this.#request<{ tasks: TownTask[]; next?: number }>('GET', `/v1/tasks${query({ state: q.state, agent: q.agent, after: q.after?.toString(), limit: q.limit?.toString() })}`);
    return page.next === undefined ? { tasks: page.tasks } : { tasks: page.tasks, next: page.next };
  }

  task(id: string): Promise<TownTask> {
    return this.#request('GET', `/v1/tasks/${seg(id)}`);
  }

  completeTask(id: string, result?: string): Promise<TownTask> {
    return this.#request('POST', `/v1/tasks/${seg(id)}/complete`, result === undefined ? {} : { result });
  }

  async pendingTasks(): Promise<PendingTask[]> {
    return (await this.#request<{ tasks: PendingTask[] }>('GET', '/v1/tasks/pending')).tasks;
  }

  async recover(): Promise<{ checked: number; recovered: number; agents: string[] }> {
    const r = await this.#request<{ checked: number; recovered: number; agents: string[] }>('POST', '/v1/recover');
    return { checked: r.checked, recovered: r.recovered, agents: r.agents };
  }

  reclaim(request: { to?: string | undefined; toBacklog?: boolean | undefined; from?: string | undefined }): Promise<{ reclaimed: number; destination: string; tasks: readonly HeldTask[] }> {
    return this.#request('POST', '/v1/reclaim', {
      ...(request.to === undefined ? {} : { to: request.to }),
      ...(request.toBacklog === undefined ? {} : { to_backlog: request.toBacklog }),
      ...(request.from === undefined ? {} : { from: request.from }),
    });
  }

  orphans(action?: string): Promise<{ action: OrphanAction; count: number; orphans: Orphan[] }> {
    return this.#request('POST', '/v1/reclaim/orphan-tasks', action === undefined ? {} : { action });
  }

  explain(id: string): Promise<Explanation> {
    return this.#request('GET', `/v1/explain/${seg(id)}`);
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

  /** From `/health` and `/ready`; what cannot be read is left out rather than failing. */
  async serverInfo(): Promise<ServerInfo> {
    const get = (path: string): Promise<Record<string, unknown> | undefined> => this.#request<Record<string, unknown>>('GET', path).catch(() => undefined);
    const [health, ready, stats] = await Promise.all([get('/health'), get('/ready'), get('/v1/stats')]);
    const uptime = health?.['uptime_secs'];
    const { dispatcher, store, store_latency_ms: latency, auth } = ready ?? {};
    return {
      ...(typeof uptime === 'number' ? { uptimeSecs: uptime } : {}),
      ...(typeof dispatcher === 'string' ? { dispatcher } : {}),
      ...(typeof store === 'string' ? { store } : {}),
      ...(typeof latency === 'number' ? { storeLatencyMs: latency } : {}),
      ...(typeof auth === 'string' ? { auth } : {}),
      ...(invocationsOf(stats?.['invocations'])),
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

  async #request<T>(method: string, path: string, body?: unknown, type = 'application/json', extra: Record<string, string> = {}): Promise<T> {
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
    if (res.ok) return data as T;
    throw fromErrorBody(res.status, data, `${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
  }
}

const JOBS = '/api/v1/orchestrator/jobs';

function unreachable(base: string, err: unknown): TahoError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return new TahoError('TAHO_SERVER_UNREACHABLE', `cannot reach taho at ${base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, {
    hint: 'Is `taho serve` running there? Check --url / TAHO_URL.',
  });
}

function query(params: Record<string, string | number | boolean | undefined>): string {
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

interface WorkerMeta {
  readonly workerId: { readonly componentId: string; readonly workerName: string };
  readonly status: string;
  readonly pendingInvocationCount: number;
  readonly createdAt: string;
  readonly oplogSize?: number;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly totalLinearMemorySize?: number;
}

function toInfo(component: string, w: WorkerMeta): AgentInfo {
  return {
    component, componentId: w.workerId.componentId, agent: w.workerId.workerName, status: w.status,
    pending: w.pendingInvocationCount, oplogSize: w.oplogSize ?? 0, createdAt: w.createdAt, args: w.args ?? [], env: w.env ?? {},
    memoryBytes: w.totalLinearMemorySize ?? 0,
  };
}

function workerPath(componentId: string, agent: string): string {
  return `/v1/components/${seg(componentId)}/workers/${seg(agent)}`;
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

/** `/v1/stats`' invocations in the client's shape; nothing when the server has no such route. */
function invocationsOf(raw: unknown): { invocations?: InvocationSnapshot } {
  if (typeof raw !== 'object' || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const nums = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []);
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  return {
    invocations: {
      windowS: num(r['window_s']) ?? 60, perSecond: nums(r['per_second']), errorsPerSecond: nums(r['errors_per_second']),
      count: num(r['count']) ?? 0, errors: num(r['errors']) ?? 0, p50Ms: num(r['p50_ms']), p99Ms: num(r['p99_ms']),
    },
  };
}
