import type { TahoConfig } from '../../core/config/schema.js';
import type { FastifyInstance } from 'fastify';
import type { StoreHealth } from '../../core/store/ports/index.js';
import { SYSTEM_RESPONSES as R } from '../contract/system.js';



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
    app.get(url, { schema: { tags: ['system'], summary: 'Liveness', response: R['GET /health'] } }, health);
  }
  for (const url of ['/ready', '/readyz']) {
    app.get(url, { schema: { tags: ['system'], summary: 'Readiness', response: R['GET /ready'] } }, ready);
  }
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
