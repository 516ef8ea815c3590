import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * One SQLite file of the data directory, as every store opens it: WAL, so readers never wait on
 * the writer; `NORMAL` sync survives a killed process, `FULL` also power loss; a second process
 * waits for the lock rather than failing at once.
 */
export function openSqlite(dataDir: string, file: string, sync: 'normal' | 'full' = 'normal'): DatabaseSync {
  mkdirSync(dataDir, { recursive: true });
  const db = new DatabaseSync(join(dataDir, file));
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'};
    PRAGMA busy_timeout = 5000;
  `);
  return db;
}

/**
 * Runs `fn` in one write transaction (taken at once, so it never deadlocks upgrading a read).
 * Inside another transaction it joins it; a throw rolls everything back.
 */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec('BEGIN IMMEDIATE');
  try {
    const r = fn();
    db.exec('COMMIT');
    return r;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
