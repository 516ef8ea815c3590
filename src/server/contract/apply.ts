import type { FastifyInstance } from 'fastify';
import { tahoErrorSchema } from '../errors/taho-body.js';
import { isGolemUrl } from '../errors/golem-body.js';
import { isTinytownUrl } from '../errors/tinytown-body.js';
import { isBacalhauUrl } from '../errors/bacalhau-body.js';
import { JOBS_RESPONSES } from './jobs.js';
import { TOWN_RESPONSES } from './town.js';
import { golemErrorSchema, tinytownErrorSchema, bacalhauErrorSchema } from './errors.js';
import type { RouteResponses, Schema } from './schema.js';

/** Statuses any route may answer besides its own: bad input, auth, missing, conflict, limits, faults. */
const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 429, 500, 503] as const;

const TABLES: readonly Readonly<Record<string, RouteResponses>>[] = [TOWN_RESPONSES, JOBS_RESPONSES];

/** The error body schema of the family a URL belongs to: each API keeps its own error shape. */
function errorSchemaFor(url: string): Schema {
  if (isGolemUrl(url)) return { $ref: 'GolemError#' };
  if (isBacalhauUrl(url)) return { $ref: 'BacalhauError#' };
  if (isTinytownUrl(url)) return { $ref: 'TinytownError#' };
  return { $ref: 'TahoError#' };
}

/** Shared once as components of the document (a generated client gets four error types, not one per route). */
const ERROR_SCHEMAS: Readonly<Record<string, Schema>> = {
  GolemError: golemErrorSchema, BacalhauError: bacalhauErrorSchema, TinytownError: tinytownErrorSchema, TahoError: tahoErrorSchema,
};

/**
 * Completes every route's schema as it is registered: its success responses from its family's
 * contract table (routes that declare their own keep them) and every error status in its family's
 * error shape. /openapi.json is generated from the result, and the serializer uses it, so the
 * document cannot say one thing while the route sends another. Registered before the routes.
 */
export function applyContract(app: FastifyInstance): void {
  for (const [id, schema] of Object.entries(ERROR_SCHEMAS)) app.addSchema({ $id: id, ...schema });
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide === true) return;
    const methods = [route.method].flat().filter((m) => m !== 'HEAD');
    const own = (route.schema?.response ?? {}) as Record<string, Schema>;
    const table = methods.map((m) => TABLES.map((t) => t[`${m} ${route.url}`]).find((r) => r !== undefined)).find((r) => r !== undefined) ?? {};
    const response: Record<string, Schema> = {};
    const hasSuccess = Object.keys(own).some((s) => s.startsWith('2'));
    if (!hasSuccess) for (const [status, schema] of Object.entries(table)) response[status] = schema;
    for (const status of ERROR_STATUSES) response[status] = errorSchemaFor(route.url);
    route.schema = { ...route.schema, response: { ...response, ...own } };
  });
}
