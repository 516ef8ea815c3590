import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Runtime } from '../../core/runtime.js';
import type { ComponentEntry } from '../../core/components/registry.js';
import type { WitFunction } from '../../core/components/wit-types.js';
import { TahoError } from '../../core/errors.js';
import { malformedForm } from '../errors/http-errors.js';
import { componentView } from '../../core/components/golem-view.js';
import { publicOplogPage } from '../../core/agents/public-oplog.js';
import { WitCache } from '../../core/components/binary-wit.js';
import { componentSchema, empty, invokeResult, oplogPage, scanCursor, workerMeta } from './golem-schemas.js';
import { compileTypedCall, golemOutcome, type TypedCall, type ValueAndOptionalType } from '../../core/values/typed.js';
import { parseAgentFilter, parseAgentFilterJson, type AgentInfo } from '../../core/agents/info.js';

const uuid = { type: 'string', format: 'uuid' } as const;
const workerName = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' } as const;
/** Golem's component id is a UUID; taho also takes the component's name (`example%2Fcounter`), so a client saves the lookup. */
const componentRef = {
  anyOf: [uuid, { type: 'string', minLength: 3, maxLength: 257, pattern: '^[A-Za-z0-9_-]+[/.][A-Za-z0-9_-]+$' }],
  description: 'The component\'s UUID, or (taho\'s addition) its name `domain/service`.',
} as const;
const componentParams = { type: 'object', required: ['component_id'], properties: { component_id: componentRef } } as const;
const workerParams = { type: 'object', required: ['component_id', 'worker_name'], properties: { component_id: componentRef, worker_name: workerName } } as const;
const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' }, errors: { type: 'array', items: { type: 'string' } },
    workerError: { type: 'object', properties: { cause: { type: 'string' }, stderr: { type: 'string' } } },
    code: { type: 'string', description: 'taho\'s addition: the stable error code' }, hint: { type: 'string', description: 'taho\'s addition: what to do' },
  },
} as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 500: errorSchema };
const invokeBody = {
  type: 'object', required: ['params'],
  properties: { params: { type: 'array', items: { type: 'object', required: ['value'], properties: { typ: {}, value: {} } } } },
} as const;
const invokeQuery = { type: 'object', required: ['function'], properties: { function: { type: 'string', minLength: 1, maxLength: 512 } } } as const;
const idempotencyHeaders = { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 256 } } } as const;

type WorkerParams = { component_id: string; worker_name: string };
type InvokeRequest = { Params: WorkerParams; Querystring: { function: string }; Body: { params: ValueAndOptionalType[] }; Headers: { 'idempotency-key'?: string } };

/** Golem's component and worker API (v1.3 contract, wire/golem.md), over durable agents. */
export function golemRoutes(app: FastifyInstance, runtime: Runtime): void {
  const tags = ['golem'];
  const agents = () => runtime.agents();
  // Compiled once per function of a component version, not per request.
  const typedCalls = new WeakMap<WitFunction, TypedCall>();
  const typedCall = (fn: WitFunction): TypedCall => {
    let call = typedCalls.get(fn);
    if (!call) {
      call = compileTypedCall(fn);
      typedCalls.set(fn, call);
    }
    return call;
  };
  // Naming a new agent creates it: per API key (or client address without one) only so many a minute.
  const maxNew = runtime.config.agents.max_new_per_minute;
  const newAgents = app.createRateLimit({
    max: maxNew, timeWindow: 60_000, allowList: [],
    keyGenerator: (req) => (req.principal ? `agents:key:${req.principal.name}` : `agents:ip:${req.ip}`),
  });
  const limitNew = async (req: FastifyRequest, componentId: string, name: string): Promise<void> => {
    if (await agents().exists(componentId, name)) return;
    const limit = await newAgents(req);
    if (limit.isAllowed || !limit.isExceeded) return;
    throw new TahoError('TAHO_RATE_LIMITED', `too many new agents: more than ${maxNew} a minute for ${req.principal ? `key "${req.principal.name}"` : req.ip}`, {
      hint: `Wait ${limit.ttlInSeconds} s, reuse existing agents, or raise [agents] max_new_per_minute.`,
      retryAfterMs: limit.ttl,
    });
  };
  const component = (ref: string): ComponentEntry => {
    try {
      return runtime.component(ref);
    } catch {
      throw new TahoError('TAHO_COMPONENT_NOT_FOUND', `component ${ref} not found`, { hint: 'GET /v1/components lists them.' });
    }
  };
  const wit = new WitCache();
  const view = async (e: ComponentEntry) => componentView(e, await wit.binaryWit(e));

  app.get<{ Querystring: { 'component-name'?: string; 'project-id'?: string } }>('/v1/components', {
    schema: {
      tags, summary: 'Components (from the repositories and uploads), optionally only the one of a name',
      querystring: { type: 'object', properties: { 'component-name': { type: 'string', maxLength: 257 }, 'project-id': { type: 'string', format: 'uuid', description: 'Accepted for Golem clients; taho has one project.' } } },
      response: { 200: { type: 'array', items: componentSchema }, ...errors },
    },
  }, async (req) => {
    const name = req.query['component-name'];
    const entries = runtime.registry.list().filter((e) => name === undefined || `${e.domain}/${e.service}` === name || e.key === name);
    return Promise.all(entries.map(view));
  });

  app.addContentTypeParser('application/wasm', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post<{ Querystring: { name?: string }; Body: unknown }>('/v1/components', {
    schema: {
      tags,
      summary: 'Upload a component: multipart (fields `name`, `component`) or the raw bytes with ?name=',
      querystring: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 257 } } },
      consumes: ['multipart/form-data', 'application/wasm', 'application/octet-stream'],
      response: { 200: componentSchema, ...errors },
    },
  }, async (req) => {
    let name = req.query.name;
    let bytes: Uint8Array | undefined;
    if (req.isMultipart()) {
      try {
        for await (const part of req.parts()) {
          if (part.type === 'file' && part.fieldname === 'component') bytes = await part.toBuffer();
          else if (part.type === 'field' && part.fieldname === 'name') name = String(part.value);
          else if (part.type === 'file') await part.toBuffer();
        }
      } catch (err) {
        throw malformedForm(err);
      }
    } else if (Buffer.isBuffer(req.body)) {
      bytes = req.body;
    }
    if (!name || !bytes || bytes.length === 0) {
      throw new TahoError('TAHO_BAD_REQUEST', `the upload needs ${!name ? 'a name' : 'the component bytes'}`, {
        hint: 'Send multipart fields `name` and `component`, or the bytes (application/wasm) with ?name=<name>.',
        details: { errors: [`missing ${!name ? 'name' : 'component'}`] },
      });
    }
    // Golem answers 200 (not 201) with the new component.
    return view(await runtime.addComponent(name, bytes));
  });
  app.get<{ Params: { component_id: string } }>('/v1/components/:component_id', {
    schema: { tags, summary: 'All versions of a component', params: componentParams, response: { 200: { type: 'array', items: componentSchema }, ...errors } },
  }, async (req) => [await view(component(req.params.component_id))]);
  app.get<{ Params: { component_id: string } }>('/v1/components/:component_id/latest', {
    schema: { tags, summary: 'The latest version of a component, with its exports', params: componentParams, response: { 200: componentSchema, ...errors } },
  }, async (req) => view(component(req.params.component_id)));

  app.post<{ Params: { component_id: string }; Body: { name: string; args?: string[]; env?: Record<string, string> } }>('/v1/components/:component_id/workers', {
    schema: {
      tags, summary: 'Create a worker (agent) explicitly', params: componentParams,
      body: { type: 'object', required: ['name'], properties: { name: workerName, args: { type: 'array', items: { type: 'string' } }, env: { type: 'object', additionalProperties: { type: 'string' } } } },
      response: { 200: { type: 'object', required: ['workerId', 'componentVersion'], properties: { workerId: { type: 'object', required: ['componentId', 'workerName'], properties: { componentId: { type: 'string' }, workerName: { type: 'string' } } }, componentVersion: { type: 'integer' } } }, ...errors },
    },
  }, async (req) => {
    const entry = component(req.params.component_id);
    await limitNew(req, entry.id, req.body.name);
    await agents().create(entry.id, req.body.name, { args: req.body.args ?? [], env: req.body.env ?? {} });
    return { workerId: { componentId: entry.id, workerName: req.body.name }, componentVersion: 0 };
  });

  const invoke = async (req: FastifyRequest<InvokeRequest>) => {
    const entry = component(req.params.component_id);
    const fn = resolveFunction(entry, req.query.function);
    typedCall(fn).args(req.body.params); // every type error at once, as Golem's 400 {errors}
    await limitNew(req, entry.id, req.params.worker_name);
    const agent = agents().agent(entry.id, req.params.worker_name);
    const method = fn.iface === undefined ? fn.name : `${fn.iface}.{${fn.name}}`;
    return { agent, fn, done: agent.invoke(method, req.body.params.map((p) => p.value), req.headers['idempotency-key']) };
  };
  app.post<InvokeRequest>('/v1/components/:component_id/workers/:worker_name/invoke-and-await', {
    schema: { tags, summary: 'Invoke a function and wait for its result', params: workerParams, querystring: invokeQuery, headers: idempotencyHeaders, body: invokeBody, response: { 200: invokeResult, ...errors } },
  }, async (req) => {
    const { fn, done } = await invoke(req);
    const result = await golemOutcome(fn, done);
    return result === undefined ? {} : { result };
  });
  app.post<InvokeRequest>('/v1/components/:component_id/workers/:worker_name/invoke', {
    schema: { tags, summary: 'Enqueue a function call and return at once', params: workerParams, querystring: invokeQuery, headers: idempotencyHeaders, body: invokeBody, response: { 200: empty, ...errors } },
  }, async (req) => {
    const { done } = await invoke(req);
    done.catch(() => undefined); // its outcome is in the oplog; nobody waits for it here
    return {};
  });

  app.get<{ Params: WorkerParams }>('/v1/components/:component_id/workers/:worker_name', {
    schema: { tags, summary: 'Worker metadata', params: workerParams, response: { 200: workerMeta, ...errors } },
  }, async (req) => {
    const entry = component(req.params.component_id);
    if (!(await agents().exists(entry.id, req.params.worker_name))) throw notFoundWorker(req.params.worker_name);
    return workerView(entry, await agents().info(entry.id, req.params.worker_name));
  });
  app.get<{ Params: { component_id: string }; Querystring: { filter?: string | string[]; cursor?: string; count?: string } }>('/v1/components/:component_id/workers', {
    schema: {
      tags, summary: 'Workers of a component, filtered (`name = x`, `status = Idle`, …) and paged by cursor', params: componentParams,
      querystring: {
        type: 'object',
        properties: {
          filter: { anyOf: [{ type: 'string', maxLength: 512 }, { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 512 } }] },
          cursor: { type: 'string', pattern: '^([0-9]{1,9}/)?[0-9]{1,9}$', description: 'Golem\'s ScanCursor as `layer/cursor` (the `cursor` object of the previous page); a bare number is taken as layer 0.' },
          // Query strings are strings: the app does not coerce types, so bodies stay strict.
          count: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$' },
        },
      },
      response: { 200: { type: 'object', required: ['workers'], properties: { workers: { type: 'array', items: workerMeta }, cursor: scanCursor } }, ...errors },
    },
  }, async (req) => {
    const entry = component(req.params.component_id);
    const filters = [req.query.filter ?? []].flat().map(parseAgentFilter);
    const bad = filters.filter((f): f is string => typeof f === 'string');
    if (bad.length > 0) throw new TahoError('TAHO_BAD_ARGUMENTS', bad.join('; '), { hint: 'Filters look like `name = x`, `status = Idle`, `createdAt > 2024-04-01T12:10:00Z`.', details: { errors: bad } });
    const start = Number(req.query.cursor?.split('/').at(-1) ?? 0);
    return page(entry, filters as ((a: AgentInfo) => boolean)[], start, Number(req.query.count ?? 100), (next) => ({ cursor: next, layer: 0 }));
  });
  app.post<{ Params: { component_id: string }; Body: { filter?: unknown; cursor?: { cursor: number; layer: number }; count?: number; precise?: boolean } }>('/v1/components/:component_id/workers/find', {
    schema: {
      tags, summary: 'Workers of a component matching a JSON filter tree (Name, Status, CreatedAt, Env, And, Or, Not), paged by cursor', params: componentParams,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          filter: { type: 'object' },
          cursor: { type: 'object', required: ['cursor'], properties: { cursor: { type: 'integer', minimum: 0, maximum: 1e9 }, layer: { type: 'integer', minimum: 0 } } },
          count: { type: 'integer', minimum: 1, maximum: 1000 },
          precise: { type: 'boolean' },
        },
      },
      response: {
        200: { type: 'object', required: ['workers'], properties: { workers: { type: 'array', items: workerMeta }, cursor: scanCursor } },
        ...errors,
      },
    },
  }, async (req) => {
    const entry = component(req.params.component_id);
    const pred = req.body?.filter === undefined ? () => true : parseAgentFilterJson(req.body.filter);
    if (typeof pred === 'string') throw new TahoError('TAHO_BAD_ARGUMENTS', pred, { hint: 'A filter looks like {"type":"Name","comparator":"Equal","value":"a"}; combine with And/Or/Not.', details: { errors: [pred] } });
    return page(entry, [pred], req.body?.cursor?.cursor ?? 0, req.body?.count ?? 100, (next) => ({ cursor: next, layer: 0 }));
  });

  /**
   * One page of matching workers after cursor `start` (creation order); `cursor` is there only when
   * more follow. It reads a page from the store's index, never every worker, and loads none.
   */
  async function page<C>(entry: ComponentEntry, preds: readonly ((a: AgentInfo) => boolean)[], start: number, count: number, cursor: (next: number) => C): Promise<{ workers: Record<string, unknown>[]; cursor?: C }> {
    const p = await agents().page({ componentId: entry.id, after: start, limit: count, match: (a) => preds.every((f) => f(a)) });
    return { workers: p.items.map((a) => workerView(entry, a)), ...(p.next === undefined ? {} : { cursor: cursor(p.next) }) };
  }
  for (const action of ['interrupt', 'resume'] as const) {
    app.post<{ Params: WorkerParams }>(`/v1/components/:component_id/workers/:worker_name/${action}`, {
      schema: { tags, summary: action === 'interrupt' ? 'Interrupt: release the instance; the next call rebuilds it' : 'Resume: rebuild the instance now', params: workerParams, response: { 200: empty, ...errors } },
    }, async (req) => {
      const entry = component(req.params.component_id);
      if (!(await agents().exists(entry.id, req.params.worker_name))) throw notFoundWorker(req.params.worker_name);
      await agents().agent(entry.id, req.params.worker_name)[action]();
      return {};
    });
  }
  app.delete<{ Params: WorkerParams }>('/v1/components/:component_id/workers/:worker_name', {
    schema: { tags, summary: 'Delete a worker and its oplog', params: workerParams, response: { 200: empty, ...errors } },
  }, async (req) => {
    const entry = component(req.params.component_id);
    if (!(await agents().delete(entry.id, req.params.worker_name))) throw notFoundWorker(req.params.worker_name);
    return {};
  });
  app.delete<{ Params: WorkerParams & { idempotency_key: string } }>('/v1/components/:component_id/workers/:worker_name/invocations/:idempotency_key', {
    schema: {
      tags, summary: 'Cancel an invocation that has not started',
      params: { type: 'object', required: ['component_id', 'worker_name', 'idempotency_key'], properties: { component_id: componentRef, worker_name: workerName, idempotency_key: { type: 'string', minLength: 1, maxLength: 256 } } },
      response: { 200: { type: 'object', required: ['canceled'], properties: { canceled: { type: 'boolean' } } }, ...errors },
    },
  }, async (req) => {
    const entry = component(req.params.component_id);
    return { canceled: agents().agent(entry.id, req.params.worker_name).cancel(req.params.idempotency_key) };
  });
  app.get<{ Params: WorkerParams; Querystring: { from?: string; count: string; cursor?: string } }>('/v1/components/:component_id/workers/:worker_name/oplog', {
    schema: {
      tags, summary: 'The worker\'s oplog in Golem\'s public entries (Create, ExportedFunctionInvoked, ImportedFunctionInvoked, ExportedFunctionCompleted, Error), a page of `count` from index `from` (1 is Create)',
      params: workerParams,
      querystring: {
        type: 'object', required: ['count'],
        properties: {
          from: { type: 'string', pattern: '^[0-9]{1,15}$' },
          count: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' },
          cursor: { type: 'string', maxLength: 256, description: 'The `next` OplogCursor of the previous page, as JSON; it wins over `from`.' },
        },
      },
      response: { 200: oplogPage, ...errors },
    },
  }, async (req) => {
    const entry = component(req.params.component_id);
    const record = await agents().record(entry.id, req.params.worker_name);
    if (!record) throw notFoundWorker(req.params.worker_name);
    const from = req.query.cursor === undefined ? Number(req.query.from ?? 1) : cursorIndex(req.query.cursor);
    return publicOplogPage(entry, record, await agents().oplog(entry.id, req.params.worker_name), from, Number(req.query.count));
  });
}

/** `{"nextOplogIndex": n, …}` as a client sends back the `next` it was given. */
function cursorIndex(raw: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const n = (parsed as { nextOplogIndex?: unknown } | undefined)?.nextOplogIndex;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 1) return n;
  throw new TahoError('TAHO_BAD_ARGUMENTS', `cursor ${raw} is not an oplog cursor`, {
    hint: 'Send back the `next` object of the previous page as JSON, or use `from=<index>`.',
    details: { errors: ['Invalid cursor: expected {"nextOplogIndex": n, "currentComponentVersion": v}'] },
  });
}

function notFoundWorker(name: string): TahoError {
  return new TahoError('TAHO_AGENT_NOT_FOUND', `worker ${name} not found`, { hint: 'It is created by its first invocation, or by POST …/workers.' });
}

/** Golem's names: `fn` or `{fn}` for world-level exports, `ns:pkg/iface.{fn}` for interface ones. */
function resolveFunction(entry: ComponentEntry, name: string): WitFunction {
  const braced = /^(?:(.*)\.)?\{([^}]+)\}$/.exec(name);
  const fn = entry.signature.functions.find((f) => (f.iface === undefined
    ? f.name === name || (braced !== null && braced[2] === f.name && (braced[1] === undefined || !braced[1].includes('/')))
    : braced !== null && braced[2] === f.name && (braced[1] === f.iface || braced[1] === f.iface.replace(/@.*$/, ''))));
  if (fn) return fn;
  throw new TahoError('TAHO_BAD_ARGUMENTS', `function ${name} not found in ${entry.domain}/${entry.service}`, {
    hint: 'Use `fn` for world-level exports and `ns:pkg/iface.{fn}` for interface exports.',
    details: { errors: [`Invalid function name: ${name}; exported: ${entry.signature.functions.map((f) => (f.iface ? `${f.iface}.{${f.name}}` : f.name)).join(', ')}`] },
  });
}

function workerView(entry: ComponentEntry, a: AgentInfo): Record<string, unknown> {
  return {
    workerId: { componentId: entry.id, workerName: a.agent },
    args: a.args, env: a.env, wasiConfigVars: [],
    status: a.status,
    componentVersion: 0,
    retryCount: 0,
    pendingInvocationCount: a.pending,
    /** taho's addition: entries in the oplog. */
    oplogSize: a.oplogSize,
    updates: [],
    createdAt: a.createdAt,
    componentSize: entry.size,
    totalLinearMemorySize: a.memoryBytes,
    exportedResourceInstances: [], activePlugins: [], skippedRegions: [], deletedRegions: [],
  };
}
