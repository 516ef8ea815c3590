import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TahoError } from '../core/errors.js';

/** How long a socket answered and closed by us keeps being read, so the client can read the answer. */
const LINGER_MS = 2000;

/** Sockets already answered: Node reports each later parse error of theirs again. */
export type Answered = WeakSet<Duplex>;

/** A tracker of the sockets answered by `answerRaw`, one per server. */
export function answeredSockets(): Answered {
  return new WeakSet();
}

/**
 * Answers on a socket that has no request object (a parse error, CONNECT, a refused connection):
 * an HTTP/1.1 response with the TAHO error body, then a lingering close. Closing while the client
 * still sends would reset the connection and lose the answer (EPIPE or ECONNRESET in the client),
 * so what it sends is read and dropped for a moment before the socket goes.
 */
export function answerRaw(socket: Duplex, e: TahoError, answered: Answered, lingerMs = LINGER_MS): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: e.toJSON() });
  const head = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...(e.retryAfterMs === undefined ? {} : { 'Retry-After': Math.ceil(e.retryAfterMs / 1000) }),
    Connection: 'close',
  };
  socket.end(`HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Error'}\r\n${Object.entries(head).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`);
  linger(socket, lingerMs);
}

function linger(socket: Duplex, ms: number): void {
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.on('error', () => socket.destroy());
  socket.on('data', () => undefined);
  socket.resume();
}

/**
 * After an error answer to a request whose body has not all arrived (too large, or a form the
 * parser gave up on), the rest of the body is read and dropped so the client can read the answer
 * and reuse the connection. A rest larger than `capBytes` is not worth reading: that connection
 * closes once answered (returns false; the caller asks for `Connection: close`).
 */
export function drainBody(req: IncomingMessage, capBytes: number): boolean {
  if (req.complete || req.destroyed) return true;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > capBytes) return false;
  let read = 0;
  req.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > capBytes) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
  return true;
}
