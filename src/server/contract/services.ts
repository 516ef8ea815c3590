/**
 * The response schemas of taho's own API under /api (wire/taho.md): services, components, the
 * configuration and the recorded oplog, keyed by route as the scope table is. The routes
 * declare them from here and the HTTP client takes its types from them.
 */
import { JSON_VALUE, type Responses } from './schema.js';

/** A WIT type as taho models it; its TypeScript type is WitType (see api-types.ts). */
export const WIT_TYPE = { title: 'WitType', description: 'a WIT type as taho models it ({kind, …})' } as const;
const serviceSchema = {
  type: 'object',
  required: ['id', 'domain', 'service', 'state', 'isolation', 'componentId', 'version', 'inFlight', 'methods'],
  properties: {
    id: { type: 'string' }, domain: { type: 'string' }, service: { type: 'string' },
    state: { type: 'string', enum: ['idle', 'loading', 'ready', 'quiescing', 'stopped'] },
    isolation: { type: 'string', enum: ['inline', 'worker'] },
    componentId: { type: 'string', format: 'uuid' }, version: { type: 'string' },
    inFlight: { type: 'integer', minimum: 0, description: 'Calls accepted and not yet answered (running, or queued behind one)' },
    methods: {
      type: 'array',
      items: {
        type: 'object', required: ['name', 'signature', 'params'],
        properties: {
          name: { type: 'string' }, signature: { type: 'string' },
          params: { type: 'array', items: { type: 'object', required: ['name', 'type'], properties: { name: { type: 'string' }, type: WIT_TYPE } } },
          result: WIT_TYPE,
        },
      },
    },
  },
} as const;
const status = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } as const;
const reloadSchema = {
  type: 'object',
  required: ['status', 'components_loaded', 'services', 'newly_loaded', 'added', 'updated', 'removed', 'errors'],
  properties: {
    status: { type: 'string', enum: ['success', 'partial'] },
    components_loaded: { type: 'integer' },
    services: { type: 'array', items: { type: 'string' } },
    newly_loaded: { type: 'array', items: { type: 'string' } },
    added: { type: 'array', items: { type: 'string' } },
    updated: { type: 'array', items: { type: 'string' } },
    removed: { type: 'array', items: { type: 'string' } },
    errors: { type: 'array', items: { type: 'object', required: ['component', 'error'], properties: { component: { type: 'string' }, error: { type: 'string' } } } },
    config: {
      type: 'object', required: ['applied', 'restart'],
      description: 'Configuration keys taken from the re-read file, and those that wait for a restart',
      properties: { applied: { type: 'array', items: { type: 'string' } }, restart: { type: 'array', items: { type: 'string' } } },
    },
  },
} as const;
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
    seq: { type: 'integer' }, kind: { type: 'string', enum: ['completed', 'failed'] }, fn: { type: 'string' }, params: JSON_VALUE,
    host: {
      type: 'array',
      items: {
        oneOf: [
          { type: 'object', required: ['k', 's', 'ns'], properties: { k: { const: 'wall' }, s: { type: 'string' }, ns: { type: 'integer' } } },
          { type: 'object', required: ['k', 'v'], properties: { k: { type: 'string', enum: ['mono', 'u64', 'bytes'] }, v: { type: 'string' } } },
        ],
      },
    },
    result: JSON_VALUE, error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
    key: { type: 'string' }, at: { type: 'integer' },
  },
} as const;

const componentDetail = {
  ...componentSchema,
  required: [...componentSchema.required, 'signatures', 'metadata'],
  properties: { ...componentSchema.properties, signatures: { type: 'array', items: { type: 'string' } }, metadata: { type: 'object', additionalProperties: true } },
} as const;

const agentInfoSchema = {
  type: 'object', required: ['component', 'componentId', 'agent', 'status', 'pending', 'oplogSize', 'createdAt', 'args', 'env', 'memoryBytes'],
  properties: {
    component: { type: 'string' }, componentId: { type: 'string' }, agent: { type: 'string' }, status: { type: 'string' },
    pending: { type: 'integer' }, oplogSize: { type: 'integer', description: 'Entries the oplog holds' }, createdAt: { type: 'string', format: 'date-time' },
    args: { type: 'array', items: { type: 'string' } }, env: { type: 'object', additionalProperties: { type: 'string' } }, memoryBytes: { type: 'integer' },
  },
} as const;

export const SERVICES_RESPONSES = {
  'GET /api/services': { 200: { type: 'array', items: serviceSchema } },
  'GET /api/services/:domain/:service': { 200: serviceSchema },
  'POST /api/services/:domain/:service/invoke/:method': { 200: { type: 'object', required: ['result'], properties: { result: JSON_VALUE } } },
  'POST /api/services/:domain/:service/restart': { 200: status },
  'PUT /api/services/:domain/:service/quiesce': { 200: status },
  'POST /api/reload': { 200: reloadSchema },
  'GET /api/components': { 200: { type: 'array', items: componentSchema } },
  'GET /api/components/:ref': { 200: componentDetail },
  'GET /api/agents/:ref/:agent/oplog': { 200: { type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: oplogEntrySchema } } } },
  'GET /api/agents': { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: agentInfoSchema }, next: { type: 'integer' } } } },
  'GET /api/jobs/counts': { 200: { type: 'object', required: ['counts'], properties: { counts: { type: 'object', additionalProperties: { type: 'integer' } } } } },
  'GET /api/config': { 200: configSchema },
} as const satisfies Responses;
