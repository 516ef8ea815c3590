import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * A real redis-server (Debian's package; `npm test` installs it) for the tests: loopback, a free
 * port, its own temporary directory, AOF on with fsync every second (taho's `process`
 * durability: an acknowledged write survives any process kill) and no RDB snapshots.
 */
export interface RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** `redis://[:password@]127.0.0.1:<port>/<db>` (`rediss://` with TLS). */
  url(db?: number, password?: string): string;
  /** Empties database `db`. */
  flush(db: number): Promise<void>;
  /** SIGKILL: no shutdown, no final fsync. */
  kill9(): Promise<void>;
  /** Starts it again on the same port and directory (its AOF). */
  restart(): Promise<void>;
  /** Stops it (SIGTERM) and removes its directory. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Resolves when the server says it is ready; rejects with its output when it exits first. */
function launch(port: number, dir: string, password: string | undefined, tls: RedisTls | undefined): Promise<ChildProcess> {
  const listen = tls === undefined
    ? ['--port', String(port)]
    : ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no'];
  const args = [...listen, '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--logfile', ''];
  if (password !== undefined) args.push('--requirepass', password);
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (/Ready to accept connections/.test(out)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${out}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** PEM files: the server's certificate and key, and the CA that signed it. */
export interface RedisTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** A CA and a server certificate for 127.0.0.1, made with openssl in `dir`. */
export function makeTls(dir: string): RedisTls {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=taho-test-ca');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
  return { cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), ca: join(dir, 'ca.crt') };
}

export async function startRedis(options: { password?: string; tls?: RedisTls } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'taho-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // Another process may take the free port between the probe and the bind: try a few.
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir, options.password, options.tls);
    } catch (err) {
      if (attempt >= 4 || !/in use/i.test(String(err))) throw err;
    }
  }
  let current: ChildProcess = child;
  const scheme = options.tls === undefined ? 'redis' : 'rediss';
  const url = (db = 0, password = options.password): string => `${scheme}://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}/${db}`;
  return {
    port,
    dir,
    get pid() {
      return current.pid ?? 0;
    },
    url,
    async flush(db) {
      const r = new Redis(url(db), { maxRetriesPerRequest: 1, ...(options.tls === undefined ? {} : { tls: { ca: readFileSync(options.tls.ca) } }) });
      try {
        await r.flushdb();
      } finally {
        r.disconnect();
      }
    },
    async kill9() {
      const done = exited(current);
      process.kill(current.pid as number, 'SIGKILL');
      await done;
    },
    async restart() {
      current = await launch(port, dir, options.password, options.tls);
    },
    async stop() {
      const done = exited(current);
      if (current.exitCode === null && current.signalCode === null) process.kill(current.pid as number, 'SIGTERM');
      await done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
