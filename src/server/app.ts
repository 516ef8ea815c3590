import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import cors from '@fastify/cors';
import type { Runtime } from '../core/runtime.js';
import { TahoError } from '../core/errors.js';
import { fromHttpError } from './errors/http-errors.js';
import { tahoErrorBody } from './errors/taho-body.js';
import { servicesRoutes } from './routes/services.js';
import { systemRoutes } from './routes/system.js';
import { adminRoutes } from './routes/admin.js';
import type { ConfigView } from '../core/config/load.js';

export interface AppOptions {
  readonly runtime: Runtime;
  readonly version: string;
  readonly configView: () => ConfigView;
}

/**
 * The HTTP face of the runtime: one fastify app serving every API family on one port. Limits
 * and CORS come from config; route schemas validate requests and generate /openapi.json.
 */
export async function buildApp({ runtime, version, configView }: AppOptions): Promise<FastifyInstance> {
  const { config } = runtime;
  const app = Fastify({
    logger: false,
    bodyLimit: config.limits.body_limit_bytes,
    requestTimeout: config.limits.request_timeout_ms,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, coerceTypes: false } },
  });
  // Any JSON value is a valid body (a lone string fills a single parameter). Plain JSON.parse is
  // enough: the codec only reads own properties, so `__proto__` keys cannot pollute anything.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
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
      info: { title: 'taho', version, description: 'TAHO services, system routes (and later Golem, Tinytown, Bacalhau) on one port.' },
      servers: [{ url: new URL(config.http.base_url).origin }],
    },
  });
  if (config.http.cors.enabled) {
    await app.register(cors, {
      origin: config.http.cors.origins.includes('*') ? '*' : config.http.cors.origins,
      methods: config.http.cors.methods,
      credentials: config.http.cors.credentials,
    });
  }

  const bodyLimit = config.limits.body_limit_bytes;
  app.setErrorHandler((err: FastifyError | TahoError, _req, reply) => {
    const e = err instanceof TahoError ? err : fromHttpError(err, { bodyLimit });
    if (e.retryAfterMs !== undefined) void reply.header('retry-after', Math.ceil(e.retryAfterMs / 1000));
    void reply.status(e.status).send(tahoErrorBody(e));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new TahoError('TAHO_BAD_REQUEST', `no route ${req.method} ${req.url.split('?')[0]}`, {
      hint: 'GET /openapi.json lists every route.',
    });
    void reply.status(404).send(tahoErrorBody(e));
  });

  const startedAt = Date.now();
  systemRoutes(app, { startedAt, serviceCount: () => runtime.registry.list().length });
  servicesRoutes(app, runtime);
  adminRoutes(app, runtime, configView);
  return app;
}
