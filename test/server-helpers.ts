import { execa } from 'execa';
import { request as httpRequest } from 'node:http';
import { BIN, ROOT } from './helpers.js';

export interface Server {
  readonly url: string;
  /** Every announced address (plain HTTP first, then HTTPS). */
  readonly urls: readonly string[];
  /** The server's process, for tests that kill it without a chance to drain. */
  readonly process: { kill(signal: NodeJS.Signals): boolean };
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<{ exitCode: number | undefined; output: string }>;
}

/** Starts the real `taho serve` on a free loopback port and waits for its announcement. */
export async function startServer(options: { dataDir: string; cwd?: string; env?: Record<string, string>; expect?: number }): Promise<Server> {
  const child = execa(process.execPath, [BIN, 'serve', '--port', '0'], {
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: '1', TAHO_DATA_DIR: options.dataDir, ...options.env },
    reject: false,
    all: true,
    // A draining server may take a while; the test decides when to give up, not execa.
    forceKillAfterDelay: false,
  });
  let out = '';
  child.all?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    // A ceiling against a hang, not a measure: a loaded machine can take many seconds to start one.
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    const check = () => {
      const found = [...out.matchAll(/listening on (https?:\/\/[^\s]+)/g)];
      if (found.length >= (options.expect ?? 1) && found[0]?.[1]) {
        clearTimeout(timer);
        resolve(found[0][1]);
      }
    };
    child.all?.on('data', check);
    void child.then(() => reject(new Error(`server exited:\n${out}`)));
  });
  return {
    url,
    urls: [...out.matchAll(/listening on (https?:\/\/[^\s]+)/g)].map((m) => m[1] as string),
    process: child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      const r = await child;
      return { exitCode: r.exitCode ?? (r.signal ? -1 : undefined), output: `${out}${r.signal ? `\n[killed by ${r.signal}]` : ''}` };
    },
  };
}

export async function post(url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const isBytes = body instanceof Uint8Array;
  return fetch(url, {
    method: 'POST',
    ...(body === undefined ? {} : { body: isBytes ? body : JSON.stringify(body) }),
    headers: body === undefined ? headers : { 'content-type': isBytes ? 'application/octet-stream' : 'application/json', ...headers },
  });
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** A GET from a chosen loopback address (all of 127.0.0.0/8 is loopback on Linux): several clients on one machine. */
export function getFrom(localAddress: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; retryAfter: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, retryAfter: Number(res.headers['retry-after'] ?? 0) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether this machine routes all of 127.0.0.0/8 to loopback (Linux does; macOS has only 127.0.0.1). */
export async function loopbackAliases(): Promise<boolean> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '127.0.0.2', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    srv.close();
  }
}
