import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

// ioredis (with its TLS and command tables) costs ~150 ms to load: a command on the embedded
// SQLite store never needs it, so it is loaded when the first Redis connection is made.
const loadIoredis = (): typeof import('ioredis') => createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
import { TahoError } from '../../errors.js';

/** A Lua script registered on the connection (EVALSHA, with EVAL when the server forgot it). */
export interface LuaScript {
  readonly lua: string;
  /** How many of a call's first arguments are keys; -1: as many as the call passes. */
  readonly keys: number;
}

type Arg = string | number | Buffer;
type ScriptFn = (...args: Arg[]) => Promise<unknown>;

/**
 * How long a call may wait for an unreachable Redis before it fails. ioredis keeps reconnecting
 * in the background (`retryStrategy`); a command issued meanwhile waits in the offline queue for
 * at most `maxRetriesPerRequest + 1` connection attempts, each bounded by `connectTimeout`, and is
 * then failed: a caller gets a typed error in a few seconds instead of hanging, and the store
 * recovers by itself when Redis is back.
 */
const OPTIONS = {
  connectTimeout: 2000,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  // A server that accepts the connection but never answers (SIGSTOP, a dead link) must not hang a
  // call either. A timed-out write may still have been applied: every acknowledging write carries
  // an idempotency key or a guard, so the caller's retry is safe.
  commandTimeout: 10_000,
  retryStrategy: (times) => Math.min(100 * times, 2000),
  // Reads and writes of one turn go out in one socket write (and one reply read).
  enableAutoPipelining: true,
  lazyConnect: false,
} satisfies RedisOptions;

/** The URL without its password, for messages and /ready. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

/**
 * One Redis connection shared by every port of a store (commands pipeline on it), plus, on first
 * follow, one dedicated connection for the blocking stream read. Every Redis failure leaves here
 * as a typed store fault naming the URL without its password.
 */
export class RedisConn {
  readonly redis: Redis;
  readonly location: string;
  #lastError: string | undefined;
  #blocking: Redis | undefined;

  readonly #varKeys: ReadonlySet<string>;

  constructor(url: string, scripts: Readonly<Record<string, LuaScript>>) {
    this.#varKeys = new Set(Object.entries(scripts).filter(([, s]) => s.keys < 0).map(([name]) => name));
    this.location = redactUrl(url);
    this.redis = new (loadIoredis().Redis)(url, {
      ...OPTIONS,
      scripts: Object.fromEntries(Object.entries(scripts).map(([name, s]) => [name, s.keys < 0 ? { lua: s.lua } : { lua: s.lua, numberOfKeys: s.keys }])),
    });
    // Without a listener ioredis prints every failed reconnect; the last one is kept for messages.
    this.redis.on('error', (err: Error) => {
      this.#lastError = err.message;
    });
    this.redis.on('ready', () => {
      this.#lastError = undefined;
    });
  }

  /** Runs Redis calls; their failures become typed store faults. */
  async do<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
    try {
      return await fn(this.redis);
    } catch (err) {
      throw this.fault(err);
    }
  }

  /** Replicas every acknowledging write waits for (`replicated` durability), and how long. */
  #replicas = 0;
  #replicaTimeoutMs = 1000;

  /** `[store] durability = "replicated"`: each acknowledging write waits for `replicas` (WAIT). */
  waitForReplicas(replicas: number, timeoutMs: number): void {
    this.#replicas = replicas;
    this.#replicaTimeoutMs = timeoutMs;
  }

  /** Runs a script whose success acknowledges something to a caller: with `replicated` durability, only once a replica has it. */
  async acknowledged(name: string, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    const r = await this.script(name, keys, args);
    if (this.#replicas > 0) {
      const acked = await this.do((redis) => redis.wait(this.#replicas, this.#replicaTimeoutMs));
      if (acked < this.#replicas) {
        throw new TahoError('TAHO_STORE_UNREACHABLE', `the write reached the Redis primary at ${this.location} but ${acked} of ${this.#replicas} replica(s) acknowledged it within ${this.#replicaTimeoutMs} ms`, {
          hint: 'It may survive or not if the primary is lost now: retry with the same idempotency key (applied once either way), and check the replica (INFO replication).',
        });
      }
    }
    return r;
  }

  /** Runs a registered script. */
  async script(name: string, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    // A script of variable arity takes its key count first (ioredis's convention).
    const head = this.#varKeys.has(name) ? [keys.length] : [];
    return this.do((r) => (r as unknown as Record<string, ScriptFn>)[name]!(...head, ...keys, ...args));
  }

  /** The connection the event tail blocks on: no command timeout, waits through reconnects. */
  blocking(): Redis {
    if (this.#blocking === undefined) {
      this.#blocking = this.redis.duplicate({ maxRetriesPerRequest: null, commandTimeout: undefined, enableAutoPipelining: false });
      this.#blocking.on('error', () => undefined);
    }
    return this.#blocking;
  }

  async close(): Promise<void> {
    this.#blocking?.disconnect();
    // QUIT answers after every command sent before it: what is pending is written first.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  /** Redis's failures as what a user can act on; our own TahoErrors pass through. */
  fault(err: unknown): unknown {
    if (err instanceof TahoError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const where = this.location;
    if (/^(WRONGPASS|NOAUTH|NOPERM)/.test(message)) {
      return new TahoError('TAHO_STORE_UNREACHABLE', `the Redis store at ${where} refused taho's credentials (${message.split('.')[0]})`, {
        hint: /^NOAUTH/.test(message)
          ? `It requires a password: put it in [store] url (redis://:PASSWORD@host:port/db) or TAHO__STORE__URL.`
          : `Check the user and password in [store] url (redis://USER:PASSWORD@host:port/db) or TAHO__STORE__URL.`,
        cause: err,
      });
    }
    if (/^READONLY/.test(message)) {
      return new TahoError('TAHO_STORE_READ_ONLY', `the Redis store at ${where} is a read-only replica: nothing can be written`, {
        hint: 'Point [store] url at the primary.',
        cause: err,
      });
    }
    if (/^OOM/.test(message)) {
      return new TahoError('TAHO_STORE_FULL', `the Redis store at ${where} is out of memory: the write was not made`, {
        hint: 'Raise Redis maxmemory (taho needs maxmemory-policy noeviction), or free memory; everything acknowledged before is kept.',
        cause: err,
      });
    }
    if (/^MISCONF/.test(message)) {
      return new TahoError('TAHO_STORE_READ_ONLY', `the Redis store at ${where} refuses writes: it cannot persist to disk`, {
        hint: "Check the disk of the Redis server (see its log: 'MISCONF'); writes resume when it can save again.",
        cause: err,
      });
    }
    if (isConnectionFailure(err, message)) {
      const why = this.#lastError ?? message;
      const tls = /certificate|SSL|TLS|self.signed|wrong version number/i.test(why);
      // A command that was sent and then lost its answer may have run; one never sent did not.
      const sent = /Command timed out|Connection is closed/.test(message);
      return new TahoError('TAHO_STORE_UNREACHABLE', `cannot reach the Redis store at ${where} (${why})`, {
        hint: tls
          ? `The TLS handshake failed: make this machine trust the server's CA (NODE_EXTRA_CA_CERTS=/path/to/ca.pem), or check that the server speaks TLS on that port (rediss://) or not (redis://).`
          : sent
            ? `Redis stopped answering: the write may or may not have been applied; retry it (with the same idempotency key). taho reconnects by itself.`
            : `Start Redis there, or fix [store] url / TAHO__STORE__URL; taho reconnects by itself when it is back.`,
        cause: err,
        retryable: true,
      });
    }
    return err;
  }
}

function isConnectionFailure(err: unknown, message: string): boolean {
  const name = err instanceof Error ? err.name : '';
  if (name === 'MaxRetriesPerRequestError' || name === 'AbortError') return true;
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && /^E[A-Z]+$/.test(code)) return true;
  return /Connection is closed|Command timed out|Stream isn't writeable|connect ETIMEDOUT|LOADING/.test(message);
}
