import type { DatabaseSync } from 'node:sqlite';
import type { Changes } from './changes.js';
import type { Outbox } from './events.js';
import type { SqliteLeases } from './leases.js';

/** What every port of the SQLite adapter shares: the one file, its outbox, its wake-ups and its leases. */
export interface SqliteContext {
  readonly db: DatabaseSync;
  /** The file, for errors. */
  readonly path: string;
  readonly outbox: Outbox;
  readonly changes: Changes;
  readonly leases: SqliteLeases;
}
