import { TahoError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import type {
  Client, ComponentInfo, ConfigView, InvokeRequest, InvokeResponse, ReloadResult, ServiceInfo, StatusResponse,
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

  async close(): Promise<void> {}

  async #request<T>(method: string, path: string, body?: unknown, type = 'application/json'): Promise<T> {
    const url = `${this.#base}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { accept: 'application/json', ...this.#headers, ...(body === undefined ? {} : { 'content-type': type }) },
        ...(body === undefined ? {} : { body: type === 'application/json' ? JSON.stringify(body) : String(body) }),
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
    const e = (data as { error?: { code?: string; message?: string; hint?: string; details?: unknown } } | undefined)?.error;
    const code = (e?.code && e.code in ERROR_CODES ? e.code : 'TAHO_INTERNAL') as ErrorCode;
    throw new TahoError(code, e?.message ?? `${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`, { hint: e?.hint, details: e?.details });
  }
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
