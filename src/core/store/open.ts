import { TahoError } from '../errors.js';
import type { Stores } from './ports/index.js';
import { redactUrl } from './redis/connection.js';
import { RedisStores } from './redis/index.js';
import { SqliteStores } from './sqlite/index.js';

export interface StoreOptions {
  /**
   * `[store] url`: absent, a path or `sqlite:<dir>`: SQLite in that directory (default the data
   * directory); `redis://[:password@]host:port/db` or `rediss://…` (TLS): Redis.
   */
  readonly url?: string | undefined;
  readonly dataDir: string;
  /** SQLite: `normal` survives a killed process (WAL), `full` also power loss (fsync per commit). */
  readonly sync: 'normal' | 'full';
  /** `[agents] keep_below_snapshot`: oplog entries kept below an agent's latest snapshot (absent: all). */
  readonly keepBelowSnapshot?: number | undefined;
  /** `[store] durability` (the SQLite side is `sync`); `replicated` needs Redis. */
  readonly durability?: 'process' | 'fsync' | 'replicated' | undefined;
  readonly replicaTimeoutMs?: number | undefined;
}

/** Whether `[store] url` names a store several processes on several machines share (a cluster's). */
export function isSharedStore(url: string | undefined): boolean {
  return /^rediss?:\/\//i.test(url ?? '');
}

/**
 * The one place that picks a store adapter from the configuration: nothing else in taho names a
 * storage technology. Opening is synchronous; an adapter that connects over the network does so
 * on its first call.
 */
export function openStores(options: StoreOptions): Stores {
  const url = options.url ?? '';
  const keepBelowSnapshot = options.keepBelowSnapshot;
  if (isSharedStore(url)) return new RedisStores(url, { durability: options.durability ?? 'process', replicaTimeoutMs: options.replicaTimeoutMs ?? 1000, keepBelowSnapshot });
  if (options.durability === 'replicated') {
    throw new TahoError('TAHO_CONFIG_INVALID', '[store] durability = "replicated" needs a Redis store', {
      hint: 'Set [store] url to a redis:// URL whose server has a replica, or use durability "process" or "fsync" with SQLite.',
    });
  }
  return new SqliteStores(sqliteDir(options) ?? options.dataDir, options.sync, keepBelowSnapshot);
}

/** The directory of the SQLite store `[store] url` names, or undefined for a shared (Redis) store. */
export function sqliteDir(options: Pick<StoreOptions, 'url' | 'dataDir'>): string | undefined {
  const url = options.url ?? '';
  if (isSharedStore(url)) return undefined;
  if (url === '') return options.dataDir;
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  throw new TahoError('TAHO_CONFIG_INVALID', `no store adapter for ${redactUrl(url)}`, {
    hint: 'Set [store] url to a directory (SQLite) or a redis:// or rediss:// URL (Redis), or leave it out to use the data directory.',
  });
}
