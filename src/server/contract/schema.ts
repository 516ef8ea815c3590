/** Small builders for the JSON Schemas of route responses (OpenAPI 3.1 = JSON Schema 2020-12). */

export type Schema = Readonly<Record<string, unknown>>;
/** Response schemas of one route by status; a `{content: …}` entry documents a non-JSON body. */
export type RouteResponses = Readonly<Record<number, Schema>>;
/** Route responses keyed as the scope table keys routes: `METHOD /url/:param`. */
export type Responses = Readonly<Record<string, RouteResponses>>;

export const STR = { type: 'string' } as const;
export const INT = { type: 'integer' } as const;
export const NUM = { type: 'number' } as const;
export const BOOL = { type: 'boolean' } as const;
export const DATE = { type: 'string', format: 'date-time' } as const;
export const ANY = {} as const;

/**
 * An object with `required` members and `optional` ones. More members are allowed: a response
 * may carry additions a client of the original system ignores, and the serializer keeps them.
 */
export function obj<R extends Record<string, Schema>, O extends Record<string, Schema> = Record<never, Schema>>(required: R, optional?: O) {
  return { type: 'object', required: Object.keys(required), properties: { ...required, ...(optional ?? {}) } as R & O, additionalProperties: true } as const;
}

export function arrayOf(items: Schema) {
  return { type: 'array', items } as const;
}

export function nullable(s: Schema): Schema {
  return typeof s.type === 'string' && Object.keys(s).length === 1 ? { type: [s.type, 'null'] } : { anyOf: [s, { type: 'null' }] };
}

/** A body that is not JSON (Prometheus text, a log, an event stream). */
export function text(contentType: string, description: string): Schema {
  return { description, content: { [contentType]: { schema: { type: 'string' } } } };
}
