import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiKeys, type Principal } from '../../core/auth/api-keys.js';
import { grants, type Requirement } from '../../core/auth/scopes.js';
import { configuredKeys } from '../../core/auth/startup.js';
import type { TahoConfig } from '../../core/config/schema.js';
import { TahoError } from '../../core/errors.js';
import { requirementOf } from './route-scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** What the route needs, from ROUTE_SCOPES, set when the route is registered. */
    requirement?: Requirement;
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
      const requirement = requirementOf(method, route.url);
      if (requirement === undefined) {
        throw new Error(`route ${method} ${route.url} has no entry in ROUTE_SCOPES (src/server/auth/route-scopes.ts)`);
      }
      // Looked up once here, not per request.
      route.config = { ...route.config, requirement };
    }
  });
  if (config.http.auth.mode !== 'api_key') return;
  const keys = new ApiKeys(configuredKeys(config));
  const { max_failures: maxFailures, failure_window_ms: windowMs } = config.http.auth;
  // Per client address: a failure costs an argon2 check per configured key, so a flood of wrong
  // keys is refused before it costs any. A key's first use counts too (it is checked the same way).
  const failures = app.createRateLimit({ max: maxFailures, timeWindow: windowMs, keyGenerator: (req) => `auth:${req.ip}`, allowList: [] });
  // A callback hook with a synchronous path: a known key costs a digest and a map lookup, no promise.
  app.addHook('onRequest', (req, _reply, done) => {
    const required = req.routeOptions.config.requirement;
    if (required === undefined || required === 'public' || req.method === 'OPTIONS') {
      done();
      return;
    }
    const key = presentedKey(req);
    const decide = (principal: Principal | undefined): TahoError | undefined => {
      if (!principal) {
        return key === undefined
          ? new TahoError('TAHO_UNAUTHORIZED', 'this route needs an API key', {
            hint: 'Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>` (CLI: --api-key or TAHO_API_KEY).',
          })
          : new TahoError('TAHO_UNAUTHORIZED', 'the API key is not valid', {
            hint: 'Check the key; `taho auth gen-key` makes a new one and prints the hash to put in config.toml.',
          });
      }
      if (!grants(principal.scopes, required)) {
        return new TahoError('TAHO_FORBIDDEN', `key "${principal.name}" lacks the scope ${required} that ${req.method} ${req.routeOptions.url} needs (it has ${principal.scopes.join(', ')})`, {
          hint: 'Use a key with that scope, or add the scope to this key in config.toml.',
        });
      }
      req.principal = principal;
      return undefined;
    };
    const known = key === undefined ? undefined : keys.known(key);
    if (known) {
      done(decide(known));
      return;
    }
    failures(req).then(async (limit) => {
      if (!limit.isAllowed && limit.isExceeded) {
        return new TahoError('TAHO_RATE_LIMITED', `too many failed authentications from ${req.ip}: more than ${maxFailures} in ${Math.round(windowMs / 1000)} s`, {
          hint: `Wait ${limit.ttlInSeconds} s and send a valid key; [http.auth] max_failures sets the limit.`,
          retryAfterMs: limit.ttl,
        });
      }
      return decide(key === undefined ? undefined : await keys.verify(key));
    }).then((err) => done(err), (err: Error) => done(err));
  });
}
