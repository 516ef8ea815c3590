import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { TahoError } from '../../errors.js';

/**
 * The data directory's SQLite file, as every port of the adapter shares it: WAL, so readers never
 * wait on the writer; `NORMAL` sync survives a killed process, `FULL` also power loss; a second
 * process waits for the lock rather than failing at once.
 *
 * Every family shares this one WAL and one page cache, where each had a file (events.db, jobs.db,
 * town.db, taho.db) with SQLite's defaults before: the WAL is checkpointed at 4 000 pages and the
 * cache holds 8 MB, the room the four had together. At 1 000 pages a checkpoint (two fsyncs, and a
 * write of every page the WAL holds) landed on a request 4× as often, and pages written again and
 * again (index leaves, the events' counter) were copied to the file 4× as often too (measured: 63 %
 * more page writes into the file than the four files for the same town assigns).
 */
export function openDb(dataDir: string, file: string, sync: 'normal' | 'full' = 'normal'): DatabaseSync {
  const path = join(dataDir, file);
  try {
    mkdirSync(dataDir, { recursive: true });
    // The busy timeout is set at open, before the first statement: switching a new file to WAL
    // takes a lock too, and without the timeout a second process opening at the same moment fails
    // at once with "database is locked".
    const db = new DatabaseSync(path, { timeout: 5000 });
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'};
      PRAGMA wal_autocheckpoint = 4000;
      PRAGMA cache_size = -8000;
    `);
    return db;
  } catch (err) {
    throw storeFault(err, path);
  }
}

/**
 * Runs `fn` in one write transaction (taken at once, so it never deadlocks upgrading a read).
 * Inside another transaction it joins it; a throw rolls everything back. SQLite's own failures
 * come out as typed store faults naming the file.
 */
export function transaction<T>(db: DatabaseSync, path: string, fn: () => T): T {
  if (db.isTransaction) return fn();
  let st: { begin: StatementSync; commit: StatementSync };
  try {
    st = bracket(db);
    st.begin.run();
  } catch (err) {
    throw storeFault(err, path);
  }
  try {
    const r = fn();
    st.commit.run();
    return r;
  } catch (err) {
    if (db.isTransaction) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // SQLite rolls back by itself after some errors (a full disk); nothing is left to undo.
      }
    }
    throw storeFault(err, path);
  }
}

/** BEGIN and COMMIT prepared once per connection: `exec` compiles them again on every write. */
const brackets = new WeakMap<DatabaseSync, { begin: StatementSync; commit: StatementSync }>();

function bracket(db: DatabaseSync): { begin: StatementSync; commit: StatementSync } {
  let st = brackets.get(db);
  if (!st) brackets.set(db, st = { begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT') });
  return st;
}

/** A read, with SQLite's failures (a corrupt file) as typed store faults. */
export function reading<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw storeFault(err, path);
  }
}

interface SqliteError {
  readonly code?: string;
  readonly errcode?: number;
  readonly errstr?: string;
  readonly message?: string;
}

/**
 * SQLite's errors as what a user can act on. Our own TahoErrors (a refusal inside a write) pass
 * through unchanged; errors that are not SQLite's are left as they are (a bug stays a bug).
 */
export function storeFault(err: unknown, path: string): unknown {
  if (err instanceof TahoError) return err;
  const e = err as SqliteError;
  const sys = (err as NodeJS.ErrnoException).code;
  if (sys === 'EACCES' || sys === 'EROFS' || sys === 'EPERM') return readOnly(path, err);
  if (sys === 'ENOSPC') return full(path, err);
  if (e?.code !== 'ERR_SQLITE_ERROR' || typeof e.errcode !== 'number') return err;
  const primary = e.errcode & 0xff;
  const what = e.errstr ?? e.message ?? 'error';
  switch (primary) {
    case 8: // SQLITE_READONLY
      return readOnly(path, err);
    case 13: // SQLITE_FULL
      return full(path, err);
    case 11: // SQLITE_CORRUPT
    case 26: // SQLITE_NOTADB
      return new TahoError('TAHO_STORE_CORRUPT', `the store ${path} is damaged (${what})`, {
        hint: `Stop taho, move ${path} (and its -wal file) aside, and restore it from a backup; taho starts with an empty store when the file is gone.`,
        cause: err,
      });
    case 14: // SQLITE_CANTOPEN
      return new TahoError('TAHO_STORE_READ_ONLY', `cannot open the store ${path} (${what})`, {
        hint: `Check that the data directory exists and that this user may write it (or set data_dir to a writable directory).`,
        cause: err,
      });
    case 10: // SQLITE_IOERR: a full disk shows as this on some writes
      if (/disk|space|full/i.test(what) || (e.errcode >> 8) === 13) return full(path, err);
      return new TahoError('TAHO_STORE_UNREACHABLE', `the store ${path} cannot be read or written (${what})`, {
        hint: 'Check the disk and the file system holding the data directory.',
        cause: err,
      });
    case 5: // SQLITE_BUSY
    case 6: // SQLITE_LOCKED
      return new TahoError('TAHO_STORE_UNREACHABLE', `the store ${path} stayed locked by another process (${what})`, {
        hint: 'Another taho process holds a long write; retry, or stop the other process.',
        cause: err,
      });
    default:
      return err;
  }
}

function readOnly(path: string, cause: unknown): TahoError {
  return new TahoError('TAHO_STORE_READ_ONLY', `the store ${path} is read-only: nothing can be written`, {
    hint: `Make the data directory and ${path} writable for this user (or set data_dir to a writable directory).`,
    cause,
  });
}

function full(path: string, cause: unknown): TahoError {
  return new TahoError('TAHO_STORE_FULL', `the disk holding the store ${path} is full: the write was not made`, {
    hint: 'Free space on that disk (or move data_dir to a larger one), then retry; everything acknowledged before is kept.',
    cause,
  });
}
