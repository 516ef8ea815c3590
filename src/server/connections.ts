import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Connection {
  readonly key: string;
  readonly socket: Socket;
  readonly address: string;
  /** Requests being answered on it; 0 is a socket waiting for a request (fresh or kept alive). */
  busy: number;
  /** Since when it waits; the longest waiting goes first. */
  since: number;
}

export interface ConnectionGuardOptions {
  /** The server's cap (`maxConnections`): past it Node drops new connections without a word. */
  readonly max: number;
  /** Connections one client address may hold, below `max`, so one client cannot take them all. */
  readonly perClient: number;
  /** Answers a refused connection (a 503 on plain HTTP), then closes it. */
  readonly refuse: (socket: Socket) => void;
}

/**
 * Keeps connections for everyone. A client address at its cap gives up its own longest-waiting
 * socket for the new one, or is refused when all of its sockets are busy; near the server's cap
 * the sockets waiting longest for a request (idle keep-alive, or never used) are closed, so
 * `/health` and new clients still get in. Node knows no per-address cap, and its
 * closeIdleConnections spares sockets that never sent a byte, the ones a flood holds.
 */
export function guardConnections(server: Server, options: ConnectionGuardOptions): void {
  // By address and port: the same for a TLS socket and the TCP socket under it.
  const open = new Map<string, Connection>();
  const perAddress = new Map<string, number>();
  const highWater = Math.max(1, Math.floor(options.max * 0.9));
  const lowWater = Math.floor(options.max * 0.75);
  const id = (s: Socket): string => `${s.remoteAddress ?? ''}:${s.remotePort ?? ''}`;

  const forget = (key: string): void => {
    const c = open.get(key);
    if (!c) return;
    open.delete(key);
    const n = (perAddress.get(c.address) ?? 1) - 1;
    if (n > 0) perAddress.set(c.address, n);
    else perAddress.delete(c.address);
  };
  /** Closes the longest-waiting sockets (of one address, or of all) until `keep` are left. */
  const closeWaiting = (keep: number, from?: string): void => {
    const count = from === undefined ? open.size : perAddress.get(from) ?? 0;
    if (count <= keep) return;
    const waiting = [...open.values()].filter((c) => c.busy === 0 && (from === undefined || c.address === from)).sort((a, b) => a.since - b.since);
    for (const c of waiting.slice(0, count - keep)) {
      forget(c.key);
      c.socket.destroy();
    }
  };

  // Before Node's own listener sets up HTTP on the socket, so a refused one never reaches a route.
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    closeWaiting(options.perClient - 1, address);
    if ((perAddress.get(address) ?? 0) >= options.perClient) {
      options.refuse(socket);
      return;
    }
    if (open.size + 1 >= highWater) closeWaiting(lowWater);
    const key = id(socket);
    open.set(key, { key, socket, address, busy: 0, since: performance.now() });
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    socket.once('close', () => forget(key));
  });
  const busy = (req: IncomingMessage): Connection | undefined => {
    const c = open.get(id(req.socket));
    if (c) c.busy += 1;
    return c;
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const c = busy(req);
    res.once('close', () => {
      if (!c) return;
      c.busy -= 1;
      c.since = performance.now();
    });
  });
  // A WebSocket stays busy for as long as it is open.
  server.on('upgrade', (req: IncomingMessage) => void busy(req));
}
