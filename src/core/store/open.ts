import { TahoError } from '../errors.js';
import type { Stores } from './ports/index.js';

export interface StoreOptions {
  /** `[store] url`: absent or a path: SQLite in that directory (default the data directory); `redis://…`: Redis (next issue). */
  readonly url?: string | undefined;
  readonly dataDir: string;
  /** SQLite: `normal` survives a killed process (WAL), `full` also power loss (fsync per commit). */
  readonly sync: 'normal' | 'full';
}

/** The one place that picks a store adapter; nothing else in taho names a storage technology. */
export function openStores(options: StoreOptions): Stores {
  throw new TahoError('TAHO_CONFIG_INVALID', `no store adapter yet for ${options.url ?? options.dataDir}`);
}
