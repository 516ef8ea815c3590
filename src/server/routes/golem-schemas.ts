/** Response schemas of Golem's component and oplog routes (v1.3 OpenAPI names in the descriptions). */
import { JSON_VALUE } from '../contract/schema.js';

/** A typed value; `typ` is Golem's AnalysedType (its TypeScript type: AnalysedType, see api-types.ts). */
const typed = { type: 'object', required: ['typ', 'value'], properties: { typ: { title: 'AnalysedType', description: 'Golem AnalysedType (an object)' }, value: JSON_VALUE } } as const;

export const scanCursor = {
  type: 'object', required: ['cursor', 'layer'], description: 'Golem ScanCursor; send it back as `cursor=layer/cursor`.',
  properties: { cursor: { type: 'integer' }, layer: { type: 'integer' } },
} as const;

/** Golem's invoke-and-await answer: the result as a typed value, absent for a function without one. */
export const invokeResult = { type: 'object', properties: { result: typed } } as const;
export const empty = { type: 'object', additionalProperties: false } as const;
/** Golem `WorkerMetadata`. */
export const workerMeta = {
  type: 'object',
  required: ['workerId', 'status', 'pendingInvocationCount', 'createdAt'],
  properties: {
    workerId: { type: 'object', required: ['componentId', 'workerName'], properties: { componentId: { type: 'string' }, workerName: { type: 'string' } } },
    status: { type: 'string', enum: ['Running', 'Idle', 'Suspended', 'Interrupted', 'Retrying', 'Failed', 'Exited'] },
    pendingInvocationCount: { type: 'integer' }, createdAt: { type: 'string', format: 'date-time' }, oplogSize: { type: 'integer' },
    args: { type: 'array', items: { type: 'string' } }, env: { type: 'object', additionalProperties: { type: 'string' } }, wasiConfigVars: { type: 'array' },
    componentVersion: { type: 'integer' }, retryCount: { type: 'integer' }, updates: { type: 'array' },
    componentSize: { type: 'integer' }, totalLinearMemorySize: { type: 'integer' },
    exportedResourceInstances: { type: 'array' }, activePlugins: { type: 'array' }, skippedRegions: { type: 'array' }, deletedRegions: { type: 'array' },
  },
} as const;

const fnSchema = {
  type: 'object', required: ['name', 'parameters'],
  properties: {
    name: { type: 'string' },
    parameters: { type: 'array', items: { type: 'object', required: ['name', 'typ'], properties: { name: { type: 'string' }, typ: { description: 'Golem AnalysedType' } } } },
    result: { type: 'object', required: ['typ'], properties: { typ: { description: 'Golem AnalysedType' } } },
  },
} as const;

/** Golem `Component`. */
export const componentSchema = {
  type: 'object',
  required: ['versionedComponentId', 'componentName', 'componentSize', 'metadata', 'createdAt', 'componentType', 'files', 'installedPlugins', 'env'],
  properties: {
    versionedComponentId: { type: 'object', required: ['componentId', 'version'], properties: { componentId: { type: 'string', format: 'uuid' }, version: { type: 'integer' } } },
    componentName: { type: 'string' },
    componentSize: { type: 'integer' },
    metadata: {
      type: 'object',
      required: ['exports', 'producers', 'memories', 'binaryWit', 'dynamicLinking', 'agentTypes'],
      properties: {
        exports: {
          type: 'array',
          items: {
            type: 'object', required: ['type'],
            properties: { type: { type: 'string', enum: ['Function', 'Instance'] }, name: { type: 'string' }, parameters: fnSchema.properties.parameters, result: fnSchema.properties.result, functions: { type: 'array', items: fnSchema } },
          },
        },
        producers: { type: 'array' }, memories: { type: 'array' },
        binaryWit: { type: 'string', description: 'Base64. Golem encodes the WIT package as a wasm binary; taho (deliberately different) encodes the WIT text.' },
        dynamicLinking: { type: 'object' }, agentTypes: { type: 'array' },
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
    componentType: { type: 'string', enum: ['Durable', 'Ephemeral'] },
    files: { type: 'array' }, installedPlugins: { type: 'array' }, env: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

const entryTypes = ['Create', 'ExportedFunctionInvoked', 'ImportedFunctionInvoked', 'ExportedFunctionCompleted', 'Error'] as const;

/** Golem `PublicOplogEntry`: the kinds taho writes, each with its own required fields. */
const publicOplogEntry = {
  type: 'object', required: ['type', 'timestamp'],
  properties: {
    type: { type: 'string', enum: entryTypes },
    timestamp: { type: 'string', format: 'date-time' },
    workerId: { type: 'object', properties: { componentId: { type: 'string' }, workerName: { type: 'string' } } },
    functionName: { type: 'string' },
    request: { anyOf: [{ type: 'array', items: typed }, typed] },
    response: typed,
    idempotencyKey: { type: 'string' },
    durableFunctionType: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
    error: { type: 'string' },
    retryFrom: { type: 'integer' },
    consumedFuel: { type: 'integer' },
  },
  additionalProperties: true,
} as const;

/** Golem `GetOplogResponse`. */
export const oplogPage = {
  type: 'object', required: ['entries', 'firstIndexInChunk', 'lastIndex'],
  properties: {
    entries: { type: 'array', items: { type: 'object', required: ['oplogIndex', 'entry'], properties: { oplogIndex: { type: 'integer' }, entry: publicOplogEntry } } },
    next: { type: 'object', required: ['nextOplogIndex', 'currentComponentVersion'], properties: { nextOplogIndex: { type: 'integer' }, currentComponentVersion: { type: 'integer' } } },
    firstIndexInChunk: { type: 'integer' },
    lastIndex: { type: 'integer' },
  },
} as const;

const workerPage = { type: 'object', required: ['workers'], properties: { workers: { type: 'array', items: workerMeta }, cursor: scanCursor } } as const;

/** The 2xx answers of the Golem routes the HTTP client calls, keyed by route as the scope table is. */
export const GOLEM_RESPONSES = {
  'GET /v1/components': { 200: { type: 'array', items: componentSchema } },
  'POST /v1/components': { 200: componentSchema },
  'GET /v1/components/:component_id/workers': { 200: workerPage },
  'GET /v1/components/:component_id/workers/:worker_name': { 200: workerMeta },
  'DELETE /v1/components/:component_id/workers/:worker_name': { 200: empty },
  'DELETE /v1/components/:component_id/workers/:worker_name/invocations/:idempotency_key': { 200: { type: 'object', required: ['canceled'], properties: { canceled: { type: 'boolean' } } } },
  'POST /v1/components/:component_id/workers/:worker_name/invoke-and-await': { 200: invokeResult },
  'POST /v1/components/:component_id/workers/:worker_name/invoke': { 200: empty },
} as const;
