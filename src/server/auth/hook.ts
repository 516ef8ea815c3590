import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiKeys, type Principal } from '../../core/auth/api-keys.js';
import { grants } from '../../core/auth/scopes.js';
import { configuredKeys } from '../../core/auth/startup.js';
import type { TahoConfig } from '../../core/config/schema.js';
import { TahoError } from '../../core/errors.js';
import { requirementOf } from './route-scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const header = req.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/**
 * Checks every request against the route table. Registering a route that has no entry in the
 * table is a programming error and stops the server, so no route can be forgotten.
 */
export function registerAuth(app: FastifyInstance, config: TahoConfig): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (route.url === '*' || method === 'OPTIONS') continue;
      if (requirementOf(method, route.url) === undefined) {
        throw new Error(`route ${method} ${route.url} has no entry in ROUTE_SCOPES (src/server/auth/route-scopes.ts)`);
      }
    }
  });
  if (config.http.auth.mode !== 'api_key') return;
  const keys = new ApiKeys(configuredKeys(config));
  app.addHook('onRequest', async (req) => {
    const url = req.routeOptions.url;
    if (url === undefined) return; // unknown route: the not-found handler answers
    const required = requirementOf(req.method, url);
    if (required === 'public') return;
    const key = presentedKey(req);
    if (key === undefined) {
      throw new TahoError('TAHO_UNAUTHORIZED', 'this route needs an API key', {
        hint: 'Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>` (CLI: --api-key or TAHO_API_KEY).',
      });
    }
    const principal = await keys.verify(key);
    if (!principal) {
      throw new TahoError('TAHO_UNAUTHORIZED', 'the API key is not valid', {
        hint: 'Check the key; `taho auth gen-key` makes a new one and prints the hash to put in config.toml.',
      });
    }
    if (required === undefined || !grants(principal.scopes, required)) {
      throw new TahoError('TAHO_FORBIDDEN', `key "${principal.name}" lacks the scope ${required ?? 'admin'} that ${req.method} ${url} needs (it has ${principal.scopes.join(', ')})`, {
        hint: 'Use a key with that scope, or add the scope to this key in config.toml.',
      });
    }
    req.principal = principal;
  });
}
