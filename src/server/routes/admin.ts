import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../core/runtime.js';
import type { ConfigView } from '../../core/config/load.js';
import { componentDetail, componentInfo } from '../../core/services/info.js';
import { formatWitFunction } from '../../core/components/wit-print.js';
import { componentView } from '../../core/components/golem-view.js';
import { TahoError } from '../../core/errors.js';
import { DEFAULT_AGENT_PAGE } from '../../core/agents/listing.js';

const componentSchema = {
  type: 'object',
  required: ['id', 'name', 'version', 'size', 'path', 'imports'],
  properties: {
    id: { type: 'string', format: 'uuid' }, name: { type: 'string' }, version: { type: 'string' },
    size: { type: 'integer' }, path: { type: 'string' }, imports: { type: 'array', items: { type: 'string' } },
  },
} as const;

const configSchema = {
  type: 'object',
  required: ['file', 'entries'],
  properties: {
    file: { type: ['string', 'null'] },
    entries: {
      type: 'array',
      items: {
        type: 'object', required: ['key', 'value', 'source'],
        properties: { key: { type: 'string' }, value: {}, source: { type: 'string', enum: ['default', 'file', 'env', 'flag'] }, origin: { type: 'string' } },
      },
    },
    differences: {
      type: 'array', description: 'Where the file, read now, differs from the values the server runs with',
      items: {
        type: 'object', required: ['key', 'running', 'file', 'live'],
        properties: { key: { type: 'string' }, running: {}, file: {}, live: { type: 'boolean', description: 'taho reload applies it (else only a restart)' } },
      },
    },
    file_error: { type: 'string', description: 'Why the file, read now, would be refused' },
  },
} as const;

const oplogEntrySchema = {
  type: 'object', required: ['seq', 'kind', 'fn', 'params', 'host', 'result', 'key', 'at'],
  properties: {
    seq: { type: 'integer' }, kind: { type: 'string', enum: ['completed', 'failed'] }, fn: { type: 'string' }, params: {},
    host: { type: 'array', items: { type: 'object', required: ['k'], properties: { k: { type: 'string', enum: ['wall', 'mono', 'u64', 'bytes'] }, s: { type: 'string' }, ns: { type: 'integer' }, v: { type: 'string' } } } },
    result: {}, error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
    key: { type: 'string' }, at: { type: 'integer' },
  },
} as const;

const agentInfoSchema = {
  type: 'object', required: ['component', 'componentId', 'agent', 'status', 'pending', 'oplogSize', 'createdAt', 'args', 'env', 'memoryBytes'],
  properties: {
    component: { type: 'string' }, componentId: { type: 'string' }, agent: { type: 'string' }, status: { type: 'string' },
    pending: { type: 'integer' }, oplogSize: { type: 'integer', description: 'Entries the oplog holds' }, createdAt: { type: 'string', format: 'date-time' },
    args: { type: 'array', items: { type: 'string' } }, env: { type: 'object', additionalProperties: { type: 'string' } }, memoryBytes: { type: 'integer' },
  },
} as const;

/** taho's own additions under /api: what `taho components` and `taho config` show, over HTTP. */
export function adminRoutes(app: FastifyInstance, runtime: Runtime, config: () => ConfigView | Promise<ConfigView>): void {
  const tags = ['taho'];
  app.get('/api/components', {
    schema: { tags, summary: 'Components in the repositories', response: { 200: { type: 'array', items: componentSchema } } },
  }, async () => runtime.registry.list().map(componentInfo));
  app.get<{ Params: { ref: string } }>('/api/components/:ref', {
    schema: {
      tags, summary: 'One component by id or `domain.service`: signatures and Golem metadata',
      params: { type: 'object', required: ['ref'], properties: { ref: { type: 'string', minLength: 1, maxLength: 257 } } },
      response: { 200: { ...componentSchema, required: [...componentSchema.required, 'signatures', 'metadata'], properties: { ...componentSchema.properties, signatures: { type: 'array', items: { type: 'string' } }, metadata: {} } } },
    },
  }, async (req) => {
    const entry = runtime.component(req.params.ref);
    return componentDetail(entry, formatWitFunction, componentView(entry));
  });
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
      response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: agentInfoSchema }, next: { type: 'integer' } } } },
    },
  }, async (req) => {
    const agents = runtime.agents();
    const q = req.query;
    return agents.page({ componentId: q.component === undefined ? undefined : agents.component(q.component).id, after: Number(q.after ?? 0), limit: Number(q.limit ?? DEFAULT_AGENT_PAGE) });
  });
  app.get('/api/jobs/counts', {
    schema: {
      tags, summary: 'Jobs by state, as the store keeps them (what `tt status` and the dashboard show without reading every job)',
      response: { 200: { type: 'object', required: ['counts'], properties: { counts: { type: 'object', additionalProperties: { type: 'integer' } } } } },
    },
  }, async () => ({ counts: await runtime.stores().jobs.jobCounts() }));
  app.get<{ Params: { ref: string; agent: string } }>('/api/agents/:ref/:agent/oplog', {
    schema: {
      tags, summary: 'A durable agent\'s oplog as taho records it (each call with what the host answered); Golem\'s public form is under /v1/components/…/oplog',
      params: { type: 'object', required: ['ref', 'agent'], properties: { ref: { type: 'string', minLength: 1, maxLength: 257 }, agent: { type: 'string', minLength: 1, maxLength: 128 } } },
      response: { 200: { type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: oplogEntrySchema } } } },
    },
  }, async (req) => {
    const agents = runtime.agents();
    const entry = runtime.component(req.params.ref);
    if (!(await agents.exists(entry.id, req.params.agent))) {
      throw new TahoError('TAHO_AGENT_NOT_FOUND', `agent ${req.params.agent} of ${entry.domain}/${entry.service} not found`, { hint: 'It is created by its first invocation; `taho agents list` shows them.' });
    }
    return { entries: await agents.oplog(entry.id, req.params.agent) };
  });
  app.get('/api/config', {
    schema: { tags, summary: 'The merged configuration with each value\'s source', response: { 200: configSchema } },
  }, async () => config());
}
