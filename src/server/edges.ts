import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import type { TahoConfig } from '../core/config/schema.js';
import { TahoError } from '../core/errors.js';
import { guardConnections } from './connections.js';
import { answerRaw, type Answered } from './raw.js';

const REFUSED_LINGER_MS = 250;

/**
 * What arrives before a route can answer: connections (capped in all and per client address),
 * CONNECT, and requests without Host. Each is answered with a JSON error where HTTP allows one.
 */
export function guardEdges(app: FastifyInstance, limits: TahoConfig['limits'], options: { tls: boolean; answered: Answered }): void {
  const max = limits.max_connections;
  app.server.maxConnections = max;
  guardConnections(app.server, {
    max,
    perClient: Math.max(1, Math.min(limits.max_connections_per_client ?? Math.floor(max / 4), max - 1)),
    // Plain HTTP gets a readable 503; on the TLS port there is no HTTP to answer in before the
    // handshake. A refused socket lingers briefly: it still counts against max_connections.
    refuse: (socket) => (options.tls ? socket.destroy() : answerRaw(socket, new TahoError('TAHO_SERVICE_UNAVAILABLE', `too many connections from ${socket.remoteAddress ?? 'this address'}`, {
      hint: 'Reuse connections (keep-alive) instead of opening more, or raise [limits] max_connections_per_client.',
      retryAfterMs: 1000,
    }), options.answered, REFUSED_LINGER_MS)),
  });
  // Node drops CONNECT without a word when nothing listens for it: taho is no proxy, and says so.
  app.server.on('connect', (_req, socket: Socket) => answerRaw(socket, new TahoError('TAHO_METHOD_NOT_ALLOWED', 'CONNECT is not supported: taho is not a proxy', {
    hint: 'Send GET, POST, PUT or DELETE to one of the routes in /openapi.json.',
  }), options.answered));
  // Node's own check (requireHostHeader, turned off) answers an empty 400.
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.headers.host === undefined && req.raw.httpVersion !== '1.0') {
      done(new TahoError('TAHO_BAD_REQUEST', 'the request has no Host header, which HTTP/1.1 requires', { hint: 'Send `Host: <server address>` (HTTP clients add it themselves).' }));
      return;
    }
    done();
  });
}
