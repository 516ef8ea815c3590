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
  // The busy timeout is set at open, before the first statement: switching a new file to WAL takes
  // a lock too, and without the timeout a second process opening at the same moment fails at once
  // with "database is locked".
  const db = new DatabaseSync(join(dataDir, file), { timeout: 5000 });
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'};
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
