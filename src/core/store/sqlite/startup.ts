import { accessSync, constants, existsSync, linkSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { TahoError } from '../../errors.js';
import { inspectDbFile, type DbFileState } from './check.js';
import { storeFault } from './db.js';
import { interruptedRepair } from './salvage.js';
import { SCHEMA_VERSION } from './schema.js';

/** Up to this size the store is checked page by page at open (≈ 4 ms a MiB here); larger ones by `taho doctor`. */
const QUICK_CHECK_BYTES = 8 * 1024 * 1024;

/**
 * Before SQLite opens the store: refuses a file that would start with less than was acknowledged
 * (empty, cut short, a WAL that does not replay cleanly), and creates a missing one whole, so an
 * empty `taho.db` is never taho's own doing and can be refused as damage.
 */
export function prepareStoreFile(path: string): void {
  writableDir(dirname(path), path);
  const interrupted = interruptedRepair(dirname(path));
  if (interrupted !== undefined) {
    throw damaged(
      `a repair of ${path} by taho doctor was interrupted before the repaired store replaced it (the originals are in ${interrupted})`,
      `Run \`taho doctor --repair --data-dir ${dirname(path)}\` again to finish it.`,
    );
  }
  const state = inspectSettled(path);
  if (state.problem) throw damaged(state.problem.what, state.problem.todo);
  if (!state.exists) createWhole(path);
}

/** After SQLite opened it: the schema version, and for a small store every page. */
export function verifyOpened(db: DatabaseSync, path: string): void {
  const version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  if (version > SCHEMA_VERSION) {
    throw new TahoError('TAHO_STORE_VERSION', `the store ${path} was written by a newer taho (schema ${version}; this taho knows ${SCHEMA_VERSION})`, {
      hint: 'Run the taho version that wrote it, or restore a backup made with this version.',
    });
  }
  if (statSync(path).size > QUICK_CHECK_BYTES) return;
  const rows = db.prepare('PRAGMA quick_check(5)').all().map((r) => String(Object.values(r)[0]));
  if (rows.length === 1 && rows[0] === 'ok') return;
  throw damaged(
    `the store ${path} is damaged (${rows.join('; ')})`,
    `Restore ${path} from a backup, or run \`taho doctor --repair --data-dir ${dirname(path)}\`, which keeps what can still be read in a new file and the damaged one beside it.`,
  );
}

/** A read-only directory is named as such before SQLite says only that it cannot open the file. */
function writableDir(dir: string, path: string): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // made when the store is created
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
      throw new TahoError('TAHO_STORE_READ_ONLY', `the data directory ${dir} is read-only${code === 'EROFS' ? ' (a read-only file system)' : ' for this user'}: taho cannot write its store ${path}`, {
        hint: `Nothing was changed. Make ${dir} writable (remount it read-write, or fix its owner and mode), or set data_dir to a writable directory.`,
        cause: err,
      });
    }
    throw err;
  }
}

function damaged(what: string, todo: string): TahoError {
  return new TahoError('TAHO_STORE_CORRUPT', what, { hint: `Nothing was changed. ${todo}` });
}

/**
 * Another process's checkpoint writes the header (with the new page count) before the pages
 * that grow the file: a file that looks cut short while a WAL exists is looked at again.
 */
function inspectSettled(path: string): DbFileState {
  let state = inspectDbFile(path);
  for (let i = 0; i < 10 && state.problem !== undefined && /cut short/.test(state.problem.what) && state.wal.bytes > 0; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    state = inspectDbFile(path);
  }
  return state;
}

/** Creates the file under another name and links it in place: a crash leaves no half-made store, a racing process's file is never replaced. */
function createWhole(path: string): void {
  const temp = `${path}.new-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(temp, { force: true });
    const db = new DatabaseSync(temp);
    db.exec(`PRAGMA journal_mode = WAL; PRAGMA user_version = ${SCHEMA_VERSION};`);
    db.close();
    try {
      linkSync(temp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } catch (err) {
    throw storeFault(err, path);
  } finally {
    rmSync(temp, { force: true });
  }
  if (!existsSync(path)) throw new TahoError('TAHO_STORE_READ_ONLY', `could not create the store ${path}`, { hint: 'Check that this user may write the data directory.' });
}
