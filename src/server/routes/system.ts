import type { TahoConfig } from '../../core/config/schema.js';
import type { FastifyInstance } from 'fastify';
import type { StoreHealth } from '../../core/store/ports/index.js';

const healthSchema = {
  type: 'object',
  required: ['status', 'uptime_secs'],
  properties: { status: { type: 'string', enum: ['ok'] }, uptime_secs: { type: 'integer' } },
} as const;

const readySchema = {
  type: 'object',
  required: ['status', 'services', 'dispatcher', 'town'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    services: { type: 'integer', description: 'services loaded' },
    redis: { type: 'string', description: 'Tinytown\'s field: "connected" or "disconnected" on a Redis store, "not_used" on SQLite' },
    store: { type: 'string' },
    store_latency_ms: { type: 'number' },
    redis_latency_ms: { type: 'number' },
    dispatcher: { type: 'string', enum: ['idle', 'running', 'stalled', 'unknown'] },
    town: { type: 'string' },
    auth: { type: 'string', description: 'taho: the auth mode (none, api_key, …)' },
    store_location: { type: 'string', description: 'taho: the store\'s file or URL' },
    reason: { type: 'string', description: 'taho: why the store cannot take writes (not_ready)' },
    hint: { type: 'string', description: 'taho: what to do about it' },
  },
} as const;

export interface SystemRoutesOptions {
  readonly startedAt: number;
  readonly serviceCount: () => number;
  /** The town dispatcher's state and the store's latency, as Tinytown's /ready reports them. */
  readonly readiness: () => Promise<{ dispatcher: string; town: string; store: StoreHealth }>;
  readonly authMode: TahoConfig['http']['auth']['mode'];
}

/** Health, readiness and the OpenAPI document: public, cheap, never touch a component. */
export function systemRoutes(app: FastifyInstance, options: SystemRoutesOptions): void {
  const health = async () => ({ status: 'ok' as const, uptime_secs: Math.floor((Date.now() - options.startedAt) / 1000) });
  // Not ready when the store cannot take writes: which store, why, and what to do.
  const ready = async (_req: unknown, reply: { status(code: number): unknown }) => {
    const r = await options.readiness();
    const s = r.store;
    if (!s.ok) reply.status(503);
    return {
      status: s.ok ? 'ready' as const : 'not_ready' as const, services: options.serviceCount(), redis: s.kind !== 'redis' ? 'not_used' : s.ok ? 'connected' : 'disconnected', store: s.kind,
      store_latency_ms: s.readMs, redis_latency_ms: s.readMs, dispatcher: r.dispatcher, town: r.town,
      auth: options.authMode, store_location: s.location,
      ...(s.ok ? {} : { reason: s.reason ?? 'the store cannot take writes', hint: s.hint ?? 'See the server log.' }),
    };
  };
  for (const url of ['/health', '/healthz']) {
    app.get(url, { schema: { tags: ['system'], summary: 'Liveness', response: { 200: healthSchema } } }, health);
  }
  for (const url of ['/ready', '/readyz']) {
    app.get(url, { schema: { tags: ['system'], summary: 'Readiness', response: { 200: readySchema, 503: readySchema } } }, ready);
  }
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
