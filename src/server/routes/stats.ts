import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../core/runtime.js';
import { SYSTEM_RESPONSES } from '../contract/system.js';

/** taho's own: invocations of services and durable agents in the last minute, for dashboards. */
export function statsRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get('/v1/stats', {
    schema: { tags: ['events'], summary: 'Invocations (services and durable agents) per second over the last minute, errors, p50/p99 latency', response: SYSTEM_RESPONSES['GET /v1/stats'] },
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
