import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../core/runtime.js';

const series = { type: 'array', items: { type: 'number' } } as const;
const statsSchema = {
  type: 'object',
  required: ['invocations'],
  properties: {
    invocations: {
      type: 'object',
      required: ['window_s', 'per_second', 'errors_per_second', 'count', 'errors', 'p50_ms', 'p99_ms'],
      properties: {
        window_s: { type: 'integer' },
        per_second: series,
        errors_per_second: series,
        count: { type: 'integer' },
        errors: { type: 'integer' },
        p50_ms: { type: ['number', 'null'] },
        p99_ms: { type: ['number', 'null'] },
      },
    },
  },
} as const;

/** taho's own: invocations of services and durable agents in the last minute, for dashboards. */
export function statsRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get('/v1/stats', {
    schema: { tags: ['events'], summary: 'Invocations (services and durable agents) per second over the last minute, errors, p50/p99 latency', response: { 200: statsSchema } },
  }, async () => {
    const s = runtime.stats.snapshot();
    return {
      invocations: {
        window_s: s.windowS, per_second: s.perSecond, errors_per_second: s.errorsPerSecond,
        count: s.count, errors: s.errors, p50_ms: s.p50Ms ?? null, p99_ms: s.p99Ms ?? null,
      },
    };
  });
}
