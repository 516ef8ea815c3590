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
/** Any JSON value; the title names its TypeScript type (Json) for the generated types. */
export const JSON_VALUE = { title: 'Json', description: 'any JSON value' } as const;

/**
 * An object with `required` members and `optional` ones. More members are allowed: a response
 * may carry additions a client of the original system ignores, and the serializer keeps them.
 */
export function obj<const R extends Record<string, Schema>, const O extends Record<string, Schema> = Record<never, Schema>>(required: R, optional?: O) {
  // Object.keys loses the literal keys the generated types need to tell required from optional.
  const keys = Object.keys(required) as (keyof R & string)[];
  return { type: 'object', required: keys, properties: { ...required, ...(optional ?? {}) } as R & O, additionalProperties: true } as const;
}

export function arrayOf<const I extends Schema>(items: I) {
  return { type: 'array', items } as const;
}

export function nullable<const S extends Schema>(s: S) {
  return { anyOf: [s, { type: 'null' }] } as const;
}

/** A body that is not JSON (Prometheus text, a log, an event stream). */
export function text(contentType: string, description: string): Schema {
  return { description, content: { [contentType]: { schema: { type: 'string' } } } };
}
