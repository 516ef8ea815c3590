import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { applyContract } from './contract/apply.js';
import cors from '@fastify/cors';
import type { Runtime } from '../core/runtime.js';
import { TahoError } from '../core/errors.js';
import { clientError, fromHttpError, type HttpLimits } from './errors/http-errors.js';
import type { Socket } from 'node:net';
import { answeredSockets, answerRaw, drainBody } from './raw.js';
import { guardEdges } from './edges.js';
import { tahoErrorBody } from './errors/taho-body.js';
import { golemErrorBody, isGolemUrl } from './errors/golem-body.js';
import { bacalhauErrorBody, isBacalhauUrl } from './errors/bacalhau-body.js';
import { jobsRoutes } from './routes/jobs.js';
import { townRoutes } from './routes/town.js';
import { eventRoutes } from './routes/events.js';
import { statsRoutes } from './routes/stats.js';
import { endAllSse } from './sse.js';
import { isTinytownUrl, tinytownErrorBody } from './errors/tinytown-body.js';
import websocket from '@fastify/websocket';
import { randomUUID } from 'node:crypto';
import { golemRoutes } from './routes/golem.js';
import { forwardToOwners } from './cluster/forward.js';
import { servicesRoutes } from './routes/services.js';
import { systemRoutes } from './routes/system.js';
import { adminRoutes } from './routes/admin.js';
import { hash } from 'node:crypto';
import type { ServerOptions } from 'node:https';
import rateLimit from '@fastify/rate-limit';
import multipart from '@fastify/multipart';
import { presentedKey, registerAuth } from './auth/hook.js';
import { requirementOf } from './auth/route-scopes.js';
import { isLoopback } from '../shared/net.js';
import { jsonNestsDeeperThan } from '../shared/json-depth.js';
import type { ConfigView } from '../core/config/load.js';
import type { ConfigChanges } from '../core/config/changes.js';
import { lazyCompilers } from './lazy-schemas.js';

/** The one place that picks each family's error shape. */
function errorBody(req: { url: string; headers: Record<string, unknown> }, e: TahoError): unknown {
  if (isGolemUrl(req.url)) return golemErrorBody(e);
  if (isBacalhauUrl(req.url)) return bacalhauErrorBody(e, requestId(req.headers));
  if (isTinytownUrl(req.url)) return tinytownErrorBody(e);
  return tahoErrorBody(e);
}

/** Bacalhau echoes the client's X-Request-ID ("" when none came). */
function requestId(headers: Record<string, unknown>): string {
  const id = headers['x-request-id'];
  return typeof id === 'string' ? id : '';
}

/** Deeper than any sensible WIT value; deep enough to refuse stack-exhausting bodies. */
const MAX_JSON_DEPTH = 64;

export interface AppOptions {
  readonly runtime: Runtime;
  readonly version: string;
  readonly configView: () => ConfigView | Promise<ConfigView>;
  /** Re-reads the configuration and applies what can change live (`taho reload`); absent, reload only rescans. */
  readonly reloadConfig?: (() => Promise<ConfigChanges>) | undefined;
  /** Serve HTTPS with these (certificate, key, client-certificate policy). */
  readonly https?: ServerOptions | undefined;
}

/**
 * The HTTP face of the runtime: one fastify app serving every API family on one port. Limits
 * and CORS come from config; route schemas validate requests and generate /openapi.json.
 */
export async function buildApp({ runtime, version, configView, reloadConfig, https }: AppOptions): Promise<FastifyInstance> {
  const { config } = runtime;
  const answered = answeredSockets();
  const common = {
    logger: false,
    bodyLimit: config.limits.body_limit_bytes,
    requestTimeout: config.limits.request_timeout_ms,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, coerceTypes: false } },
    schemaController: { compilersFactory: lazyCompilers() },
    routerOptions: { maxParamLength: 512 },
    // Router-level failures (a bad URL encoding, an over-long path segment) in our error shape too.
    frameworkErrors: (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const e = new TahoError(err.statusCode === 414 ? 'TAHO_URI_TOO_LONG' : 'TAHO_BAD_REQUEST', err.message, {
        hint: 'Names in paths are short: letters, digits, ".", "_" and "-".',
      });
      void reply.status(e.status).send(errorBody(req, e));
    },
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => answerRaw(socket, clientError(err), answered),
  } as const;
  // Node checks request timeouts on an interval (30 s by default): check often enough that a
  // body trickling in is cut off near request_timeout_ms, not half a minute later.
  const node = {
    maxHeaderSize: config.limits.max_header_bytes,
    // Set at creation: Node arms its request-timeout checks from the constructor's options.
    requestTimeout: config.limits.request_timeout_ms,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(config.limits.request_timeout_ms / 4))),
    // Node answers a request without Host with an empty 400; guardEdges answers it in our shape.
    requireHostHeader: false,
  };
  const app = (https
    ? Fastify({ ...common, https: { ...https, ...node } })
    : Fastify({ ...common, http: node })) as unknown as FastifyInstance;
  guardEdges(app, config.limits, { tls: https !== undefined, answered });
  // Registered even when requests are not limited: failed logins and new agents always are.
  const rate = config.http.rate_limit;
  await app.register(rateLimit, {
    global: rate.enabled === true || (rate.enabled === 'auto' && !isLoopback(config.http.bind)),
    max: rate.max,
    timeWindow: rate.window_ms,
    // Per key when one is sent (a digest: the key itself is never kept), else per address.
    keyGenerator: (req) => {
      const key = presentedKey(req);
      return key === undefined ? `ip:${req.ip}` : `key:${hash('sha256', key, 'base64')}`;
    },
    allowList: (req) => requirementOf(req.method, req.routeOptions.url ?? '') === 'public',
    errorResponseBuilder: (_req, ctx) => new TahoError('TAHO_RATE_LIMITED', `too many requests: more than ${ctx.max} in ${Math.round(rate.window_ms / 1000)} s`, {
      hint: `Wait ${Math.ceil(ctx.ttl / 1000)} s, or raise [http.rate_limit] max.`,
      retryAfterMs: ctx.ttl,
    }),
  });
  // Before any route: every route must be in the scope table.
  registerAuth(app, config);
  // Any JSON value is a valid body (a lone string fills a single parameter). Plain JSON.parse is
  // enough: the codec only reads own properties, so `__proto__` keys cannot pollute anything.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (jsonNestsDeeperThan(body as string, MAX_JSON_DEPTH)) {
      done(new TahoError('TAHO_BAD_JSON', `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, {
        hint: 'No WIT value needs that; flatten the input.',
      }), undefined);
      return;
    }
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch (err) {
      done(new TahoError('TAHO_BAD_JSON', `the body is not valid JSON: ${(err as Error).message}`, {
        hint: 'Send one JSON value: an array (positional), an object (by name) or a single value.',
      }), undefined);
    }
  });
  // Bytes fill a single list<u8> parameter; they are never parsed.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'taho', version, description: 'TAHO services, Golem durable agents, a Tinytown town and Bacalhau jobs on one port; where taho differs from the system it copies, the operation says so.' },
      servers: [{ url: new URL(config.http.base_url).origin }],
    },
    // Shared schemas (each family's error body) keep their names as components.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  applyContract(app);
  // Event streams never end on their own: a closing server ends them rather than wait on them.
  app.addHook('preClose', async () => endAllSse());
  // Bacalhau's log stream is a WebSocket; registered before the routes, as the plugin requires.
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  // Bacalhau's `?pretty` indents any response of its routes; X-Request-ID comes back as sent.
  app.addHook('onSend', async (req, reply, payload) => {
    if (!isBacalhauUrl(req.url)) return payload;
    void reply.header('x-request-id', requestId(req.headers) || randomUUID());
    if (typeof payload !== 'string' || !('pretty' in (req.query as Record<string, unknown>))) return payload;
    try {
      return `${JSON.stringify(JSON.parse(payload), null, 2)}\n`;
    } catch {
      return payload;
    }
  });
  // Multipart only for component uploads (fields `name` and `component`); the file follows the body limit.
  const limits: HttpLimits = { bodyLimit: config.limits.body_limit_bytes, form: { files: 2, fields: 4, parts: 8 } };
  await app.register(multipart, { limits: { fileSize: limits.bodyLimit, ...limits.form } });
  if (config.http.cors.enabled) {
    await app.register(cors, {
      origin: config.http.cors.origins.includes('*') ? '*' : config.http.cors.origins,
      methods: config.http.cors.methods,
      credentials: config.http.cors.credentials,
    });
  }

  // The unread rest of a refused body is read and dropped up to this much, so the client reads the answer.
  const drainCap = Math.max(4 * limits.bodyLimit, 64 * 1024 * 1024);
  app.setErrorHandler((err: FastifyError | TahoError, req, reply) => {
    const e = err instanceof TahoError ? err : fromHttpError(err, limits);
    if (drainBody(req.raw, drainCap)) void reply.removeHeader('connection');
    else void reply.header('connection', 'close');
    if (e.retryAfterMs !== undefined) void reply.header('retry-after', Math.ceil(e.retryAfterMs / 1000));
    void reply.status(e.status).send(errorBody(req, e));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new TahoError('TAHO_ROUTE_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`, {
      hint: 'GET /openapi.json lists every route.',
    });
    void reply.status(e.status).send(errorBody(req, e));
  });

  const startedAt = Date.now();
  systemRoutes(app, {
    startedAt,
    authMode: config.http.auth.mode,
    serviceCount: () => runtime.registry.list().length,
    readiness: async () => {
      const store = await runtime.stores().health();
      const dispatcher = store.ok ? await runtime.town().dispatcherState() : 'unknown';
      return { dispatcher, town: config.town.name, store };
    },
  });
  // On a store several nodes share, agent calls run on their shard's owner.
  if (runtime.stores().cluster) forwardToOwners(app, runtime);
  servicesRoutes(app, runtime, reloadConfig);
  adminRoutes(app, runtime, configView);
  golemRoutes(app, runtime);
  jobsRoutes(app, runtime, version);
  townRoutes(app, runtime);
  eventRoutes(app, runtime);
  statsRoutes(app, runtime);
  return app;
}
