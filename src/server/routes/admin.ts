import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../core/runtime.js';
import type { ConfigView } from '../../core/config/load.js';
import { componentDetail, componentInfo } from '../../core/services/info.js';
import { formatWitFunction } from '../../core/components/wit-print.js';
import { componentView } from '../../core/components/golem-view.js';

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
  },
} as const;

/** taho's own additions under /api: what `taho components` and `taho config` show, over HTTP. */
export function adminRoutes(app: FastifyInstance, runtime: Runtime, config: () => ConfigView): void {
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
  app.get('/api/config', {
    schema: { tags, summary: 'The merged configuration with each value\'s source', response: { 200: configSchema } },
  }, async () => config());
}
