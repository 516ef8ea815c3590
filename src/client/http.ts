import { TahoError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import type {
  AgentInfo, AgentInvokeRequest, AgentInvokeResponse, Client, ComponentInfo, ConfigView, InvokeRequest, InvokeResponse,
  OplogEntry, ReloadResult, ServiceInfo, StatusResponse, ComponentDetail,
} from './contract.js';

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
    const c = await this.#component(r.component);
    return this.#request('POST', `${workerPath(c.id, r.agent)}/${r.wait ? 'invoke-and-await' : 'invoke'}?function=${seg(r.fn)}`,
      { params: r.args.map((value) => ({ value })) }, 'application/json', r.key === undefined ? {} : { 'idempotency-key': r.key });
  }

  async agents(component?: string): Promise<AgentInfo[]> {
    const components = component === undefined ? await this.#components() : [await this.#component(component)];
    const lists = await Promise.all(components.map(async (c) => {
      const { workers } = await this.#request<{ workers: WorkerMeta[] }>('GET', `/v1/components/${c.id}/workers`);
      return workers.map((w) => toInfo(c.name, w));
    }));
    return lists.flat();
  }

  async agent(component: string, agent: string): Promise<AgentInfo> {
    const c = await this.#component(component);
    return toInfo(c.name, await this.#request<WorkerMeta>('GET', workerPath(c.id, agent)));
  }

  async deleteAgent(component: string, agent: string): Promise<void> {
    const c = await this.#component(component);
    await this.#request('DELETE', workerPath(c.id, agent));
  }

  cancelInvocation(component: string, agent: string, key: string): Promise<{ canceled: boolean }> {
    return this.#component(component).then((c) => this.#request('DELETE', `${workerPath(c.id, agent)}/invocations/${seg(key)}`));
  }

  async oplog(component: string, agent: string): Promise<OplogEntry[]> {
    const c = await this.#component(component);
    await this.agent(component, agent); // a missing agent is an error, not an empty oplog
    const { entries } = await this.#request<{ entries: { entry: OplogEntry }[] }>('GET', `${workerPath(c.id, agent)}/oplog`);
    return entries.map((e) => e.entry);
  }

  async #components(): Promise<{ id: string; name: string }[]> {
    const list = await this.#request<{ componentName: string; versionedComponentId: { componentId: string } }[]>('GET', '/v1/components');
    return list.map((c) => ({ id: c.versionedComponentId.componentId, name: c.componentName }));
  }

  async #component(ref: string): Promise<{ id: string; name: string }> {
    const found = (await this.#components()).find((c) => c.id === ref || c.name === ref);
    if (found) return found;
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
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new TahoError('TAHO_SERVER_UNREACHABLE', `cannot reach taho at ${this.#base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, {
        hint: 'Is `taho serve` running there? Check --url / TAHO_URL.',
      });
    }
    const text = await res.text();
    const data = parse(text);
    if (res.ok) return data as T;
    throw fromErrorBody(res.status, data, `${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
  }
}

/** TAHO's `{error: {code, message, hint}}`, or Golem's `{error}` / `{errors}` / `{error, workerError}`. */
function fromErrorBody(status: number, data: unknown, fallback: string): TahoError {
  const body = (data ?? {}) as { error?: unknown; errors?: unknown; workerError?: { cause?: string } };
  if (typeof body.error === 'object' && body.error !== null) {
    const e = body.error as { code?: string; message?: string; hint?: string; details?: unknown };
    const code = (e.code && e.code in ERROR_CODES ? e.code : 'TAHO_INTERNAL') as ErrorCode;
    return new TahoError(code, e.message ?? fallback, { hint: e.hint, details: e.details });
  }
  const message = body.workerError?.cause ?? (Array.isArray(body.errors) ? body.errors.join('; ') : typeof body.error === 'string' ? body.error : fallback);
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
  readonly env?: Readonly<Record<string, string>>;
}

function toInfo(component: string, w: WorkerMeta): AgentInfo {
  return {
    component, componentId: w.workerId.componentId, agent: w.workerId.workerName, status: w.status,
    pending: w.pendingInvocationCount, oplogSize: w.oplogSize ?? 0, createdAt: w.createdAt, env: w.env ?? {},
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
