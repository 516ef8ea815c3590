import type { FastifyInstance } from 'fastify';

const healthSchema = {
  type: 'object',
  required: ['status', 'uptime_secs'],
  properties: { status: { type: 'string', enum: ['ok'] }, uptime_secs: { type: 'integer' } },
} as const;

const readySchema = {
  type: 'object',
  required: ['status', 'services'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    services: { type: 'integer', description: 'services loaded' },
  },
} as const;

export interface SystemRoutesOptions {
  readonly startedAt: number;
  readonly serviceCount: () => number;
}

/** Health, readiness and the OpenAPI document: public, cheap, never touch a component. */
export function systemRoutes(app: FastifyInstance, options: SystemRoutesOptions): void {
  const health = async () => ({ status: 'ok' as const, uptime_secs: Math.floor((Date.now() - options.startedAt) / 1000) });
  const ready = async () => ({ status: 'ready' as const, services: options.serviceCount() });
  for (const url of ['/health', '/healthz']) {
    app.get(url, { schema: { tags: ['system'], summary: 'Liveness', response: { 200: healthSchema } } }, health);
  }
  for (const url of ['/ready', '/readyz']) {
    app.get(url, { schema: { tags: ['system'], summary: 'Readiness', response: { 200: readySchema } } }, ready);
  }
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
