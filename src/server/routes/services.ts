import type { ConfigChanges } from '../../core/config/changes.js';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../../core/runtime.js';
import { compileLift, type Json } from '../../core/values/plain.js';
import type { CallOutcome } from '../../core/services/service.js';
import { describeService, invokeResponse, listServices, quiesceService, reload, restartService, startInvoke } from '../../core/usecases/services.js';
import { tahoErrorSchema } from '../errors/taho-body.js';
import { SERVICES_RESPONSES as R } from '../contract/services.js';

const name = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } as const;
const serviceParams = { type: 'object', required: ['domain', 'service'], properties: { domain: name, service: name } } as const;
const invokeParams = {
  type: 'object',
  required: ['domain', 'service', 'method'],
  properties: { domain: name, service: name, method: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

const errors = { 400: tahoErrorSchema, 404: tahoErrorSchema, 413: tahoErrorSchema, 500: tahoErrorSchema, 503: tahoErrorSchema, 504: tahoErrorSchema };

type ServiceParams = { domain: string; service: string };
type InvokeParams = ServiceParams & { method: string };

/** The TAHO services family under /api (wire/taho.md). */
export function servicesRoutes(app: FastifyInstance, runtime: Runtime, reloadConfig?: () => Promise<ConfigChanges>): void {
  const tags = ['services'];
  app.addContentTypeParser(['text/plain', 'application/toml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.get('/api/services', {
    schema: { tags, summary: 'List services with their methods', response: R['GET /api/services'] },
  }, async () => listServices(runtime));

  app.get<{ Params: ServiceParams }>('/api/services/:domain/:service', {
    schema: { tags, summary: 'One service: state, version, methods', params: serviceParams, response: { ...R['GET /api/services/:domain/:service'], ...errors } },
  }, async (req) => describeService(runtime, req.params.domain, req.params.service));

  app.post<{ Params: InvokeParams; Body: unknown }>('/api/services/:domain/:service/invoke/:method', {
    schema: {
      tags,
      summary: 'Invoke a method',
      description: 'JSON body: an array is positional, an object by parameter name, anything else the single parameter. '
        + 'application/octet-stream fills a single list<u8> parameter; a list<u8> result comes back as bytes. '
        + 'With Accept: application/x-ndjson or text/event-stream a list result is streamed item by item.',
      params: invokeParams,
      body: { description: 'The input: any JSON value (or bytes for a list<u8> parameter)' },
      consumes: ['application/json', 'application/octet-stream'],
      response: { ...R['POST /api/services/:domain/:service/invoke/:method'], ...errors },
    },
  }, (req, reply) => {
    const input = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : req.body;
    const outcome = startInvoke(runtime, { ...req.params, input });
    // A warm inline service answered synchronously: no promise in between on the hot path.
    return outcome instanceof Promise ? outcome.then((o) => respond(req, reply, o)) : respond(req, reply, outcome);
  });

  app.post<{ Params: ServiceParams; Body: unknown }>('/api/services/:domain/:service/restart', {
    schema: {
      tags,
      summary: 'Restart a service, optionally with new config',
      description: 'The body (JSON, TOML, text or bytes) becomes the service config. Calls in flight finish on the old instance.',
      params: serviceParams,
      body: { description: 'The new service config (optional)' },
      consumes: ['application/json', 'application/toml', 'text/plain', 'application/octet-stream'],
      response: { ...R['POST /api/services/:domain/:service/restart'], ...errors },
    },
  }, async (req) => {
    return await restartService(runtime, req.params.domain, req.params.service, configText(req.body));
  });

  app.put<{ Params: ServiceParams }>('/api/services/:domain/:service/quiesce', {
    schema: { tags, summary: 'Stop taking calls and let those in flight finish', params: serviceParams, response: { ...R['PUT /api/services/:domain/:service/quiesce'], ...errors } },
  }, async (req) => {
    // Answer at once: new calls get 503 from now on, and the state turns `stopped` once drained.
    const { response, drained } = quiesceService(runtime, req.params.domain, req.params.service);
    drained.catch(() => undefined);
    return response;
  });

  app.post('/api/reload', {
    schema: { tags, summary: 'Re-read the configuration, rescan the repositories and swap changed components', response: { ...R['POST /api/reload'], 400: tahoErrorSchema, 500: tahoErrorSchema } },
  }, async () => {
    // A bad file throws here, before anything changes: the server keeps running as it was.
    return reload(runtime, await reloadConfig?.());
  });
}

function configText(body: unknown): string | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  if (Buffer.isBuffer(body)) return body.length === 0 ? undefined : body.toString('utf8');
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function respond(req: FastifyRequest, reply: FastifyReply, { plan, value }: CallOutcome): unknown {
  const result = plan.fn.result;
  const accept = req.headers.accept ?? '';
  if (result?.kind === 'list' && result.element.kind === 'u8' && !/application\/json/.test(accept)) {
    return reply.type('application/octet-stream').send(Buffer.from(value as Uint8Array));
  }
  if (result?.kind === 'list' && /application\/x-ndjson|text\/event-stream/.test(accept)) {
    const sse = !/application\/x-ndjson/.test(accept);
    const lift = compileLift(result.element);
    const skip = Number(req.headers['last-event-id'] ?? 0) || 0;
    return reply.type(sse ? 'text/event-stream' : 'application/x-ndjson').send(Readable.from(items(value as ArrayLike<unknown>, lift, sse, skip)));
  }
  return invokeResponse({ plan, value });
}

/** One line (or SSE event, id = 1-based index) per item, serialized as the stream is read. */
function* items(list: ArrayLike<unknown>, lift: (v: unknown) => Json, sse: boolean, skip: number): Generator<string> {
  for (let i = skip; i < list.length; i++) {
    const json = JSON.stringify(lift(list[i]));
    yield sse ? `id: ${i + 1}\ndata: ${json}\n\n` : `${json}\n`;
  }
}
