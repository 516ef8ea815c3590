/**
 * TypeScript types of taho's HTTP answers, derived from the same response schemas the routes
 * declare and /openapi.json is generated from (json-schema-to-ts: the schemas are plain
 * `as const` JSON Schema, so their types come without a generation step or a second source).
 * The HTTP client imports these types only; a schema that stops carrying what the Client
 * promises, or a route the client calls that is not in a table, fails `npm run typecheck`.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { AnalysedType } from '../../core/values/analysed.js';
import type { WitType } from '../../core/components/wit-types.js';
import type { Json } from '../../core/values/plain.js';
import type { MessageType } from '../../core/town/model.js';
import type { SERVICES_RESPONSES } from './services.js';
import type { TOWN_RESPONSES } from './town.js';
import type { JOBS_RESPONSES } from './jobs.js';
import type { SYSTEM_RESPONSES } from './system.js';
import type { GOLEM_RESPONSES } from '../routes/golem-schemas.js';

/** Every operation with a declared answer, keyed `METHOD /route/:param` as the scope table is. */
export type ApiResponses = typeof SERVICES_RESPONSES & typeof TOWN_RESPONSES & typeof JOBS_RESPONSES & typeof GOLEM_RESPONSES & typeof SYSTEM_RESPONSES;
export type Operation = keyof ApiResponses;

type Success<R> = R extends { readonly 200: infer S } ? S : R extends { readonly 201: infer S } ? S : never;

/**
 * Schemas that are open on the wire (a recursive type description, any JSON value) carry a
 * `title` naming the TypeScript type they hold; everything else is typed from its shape.
 */
type Named = [
  { pattern: { title: 'AnalysedType' }; output: AnalysedType },
  { pattern: { title: 'WitType' }; output: WitType },
  { pattern: { title: 'Json' }; output: Json },
  { pattern: { title: 'MessageType' }; output: MessageType },
];

/**
 * The JSON body of each operation's success answer (200, or 201 where the route creates), computed
 * once per operation: indexing this map (rather than applying FromSchema to a type parameter)
 * keeps a generic caller from making the checker expand every schema at once.
 */
export type Answers = { [K in Operation]: FromSchema<Success<ApiResponses[K]>, { deserialize: Named }> };
export type Answer<K extends Operation> = Answers[K];

/** The `:param` names of a route. */
export type ParamNames<K extends string> = K extends `${string}:${infer P}/${infer Rest}` ? P | ParamNames<Rest> : K extends `${string}:${infer P}` ? P : never;
