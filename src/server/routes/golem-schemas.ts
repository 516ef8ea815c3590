/** Response schemas of Golem's component and oplog routes (v1.3 OpenAPI names in the descriptions). */

const typed = { type: 'object', required: ['typ', 'value'], properties: { typ: { description: 'Golem AnalysedType (an object)' }, value: {} } } as const;

export const scanCursor = {
  type: 'object', required: ['cursor', 'layer'], description: 'Golem ScanCursor; send it back as `cursor=layer/cursor`.',
  properties: { cursor: { type: 'integer' }, layer: { type: 'integer' } },
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
