import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  /** `redis://[:password@]127.0.0.1:<port>/<db>`. */
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
function launch(port: number, dir: string, password: string | undefined): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--logfile', ''];
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

export async function startRedis(options: { password?: string } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'taho-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // Another process may take the free port between the probe and the bind: try a few.
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir, options.password);
    } catch (err) {
      if (attempt >= 4 || !/in use/i.test(String(err))) throw err;
    }
  }
  let current: ChildProcess = child;
  const url = (db = 0, password = options.password): string => `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}/${db}`;
  return {
    port,
    dir,
    get pid() {
      return current.pid ?? 0;
    },
    url,
    async flush(db) {
      const r = new Redis(url(db), { maxRetriesPerRequest: 1 });
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
      current = await launch(port, dir, options.password);
    },
    async stop() {
      const done = exited(current);
      if (current.exitCode === null && current.signalCode === null) process.kill(current.pid as number, 'SIGTERM');
      await done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
