import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../core/runtime.js';
import type { ConfigView } from '../../core/config/load.js';
import { describeComponent, listComponents } from '../../core/usecases/services.js';
import { agentOplog, listAgents } from '../../core/usecases/agents.js';
import { SERVICES_RESPONSES as R } from '../contract/services.js';

/** taho's own additions under /api: what `taho components` and `taho config` show, over HTTP. */
export function adminRoutes(app: FastifyInstance, runtime: Runtime, config: () => ConfigView | Promise<ConfigView>): void {
  const tags = ['taho'];
  app.get('/api/components', {
    schema: { tags, summary: 'Components in the repositories', response: R['GET /api/components'] },
  }, async () => listComponents(runtime));
  app.get<{ Params: { ref: string } }>('/api/components/:ref', {
    schema: {
      tags, summary: 'One component by id or `domain.service`: signatures and Golem metadata',
      params: { type: 'object', required: ['ref'], properties: { ref: { type: 'string', minLength: 1, maxLength: 257 } } },
      response: R['GET /api/components/:ref'],
    },
  }, async (req) => describeComponent(runtime, req.params.ref));
  app.get<{ Querystring: { component?: string; after?: string; limit?: string } }>('/api/agents', {
    schema: {
      tags, summary: 'Durable agents of every component (or one), a page at a time in creation order; `next` is the `after` of the following page',
      querystring: {
        type: 'object',
        properties: {
          component: { type: 'string', minLength: 1, maxLength: 257 },
          // Query strings are strings: the app does not coerce types.
          after: { type: 'string', pattern: '^[0-9]{1,15}$' },
          limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$' },
        },
      },
      response: R['GET /api/agents'],
    },
  }, async (req) => {
    const q = req.query;
    return listAgents(runtime, { component: q.component, after: q.after === undefined ? undefined : Number(q.after), limit: q.limit === undefined ? undefined : Number(q.limit) });
  });
  app.get('/api/jobs/counts', {
    schema: {
      tags, summary: 'Jobs by state, as the store keeps them (what `tt status` and the dashboard show without reading every job)',
      response: R['GET /api/jobs/counts'],
    },
  }, async () => ({ counts: await runtime.stores().jobs.jobCounts() }));
  app.get<{ Params: { ref: string; agent: string } }>('/api/agents/:ref/:agent/oplog', {
    schema: {
      tags, summary: 'A durable agent\'s oplog as taho records it (each call with what the host answered); Golem\'s public form is under /v1/components/…/oplog',
      params: { type: 'object', required: ['ref', 'agent'], properties: { ref: { type: 'string', minLength: 1, maxLength: 257 }, agent: { type: 'string', minLength: 1, maxLength: 128 } } },
      response: R['GET /api/agents/:ref/:agent/oplog'],
    },
  }, async (req) => ({ entries: await agentOplog(runtime, req.params.ref, req.params.agent) }));
  app.get('/api/config', {
    schema: { tags, summary: 'The merged configuration with each value\'s source', response: R['GET /api/config'] },
  }, async () => config());
}
