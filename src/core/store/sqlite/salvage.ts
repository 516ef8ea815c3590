import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SCHEMA } from './schema.js';

/** Written before a repaired store replaces the damaged one, removed after: its presence means the swap was interrupted. */
export const REPAIR_MARKER = 'taho.db.repairing';

export interface Salvage {
  /** The repaired store (in place of the damaged one). */
  readonly path: string;
  /** The folder holding the original files. */
  readonly backup: string;
  readonly rows: number;
  readonly how: 'VACUUM INTO' | 'table by table';
  /** Tables whose reading stopped at damage: their rows after it are lost. */
  readonly failedTables: readonly string[];
}

/** A new `backup-<time>` folder of the data directory with `files` in it (moved, or copied). */
export function backupDir(dataDir: string, files: readonly string[], move: boolean): string {
  const dir = join(dataDir, `backup-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    if (!existsSync(f)) continue;
    if (move) renameSync(f, join(dir, basename(f)));
    else copyFileSync(f, join(dir, basename(f)));
  }
  return dir;
}

/**
 * Copies the store and its WAL to a backup folder, reads what SQLite can still read from a
 * second copy (its WAL replayed up to any damage) into a new file, checks it, and puts it in
 * place of the damaged one. The swap is bracketed by a marker file, so a start after an
 * interrupted swap refuses instead of opening a store without its WAL.
 */
export function recoverInto(dataDir: string, path: string): Salvage {
  const originals = [path, `${path}-wal`, `${path}-shm`];
  const backup = backupDir(dataDir, originals, false);
  const work = join(dataDir, `taho.db.repair-${process.pid}`);
  const out = `${path}.recovered-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  rmSync(out, { force: true });
  mkdirSync(work);
  // A copy without the WAL index: SQLite rebuilds it from the WAL, as after a crash.
  copyFileSync(path, join(work, basename(path)));
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, join(work, `${basename(path)}-wal`));
  let salvage: Omit<Salvage, 'path' | 'backup'>;
  try {
    salvage = copyReadable(join(work, basename(path)), out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const check = new DatabaseSync(out);
  try {
    check.exec('PRAGMA journal_mode = WAL');
  } finally {
    check.close();
  }
  const marker = join(dirname(path), REPAIR_MARKER);
  writeFileSync(marker, `${backup}\n`);
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  renameSync(out, path);
  rmSync(marker);
  return { ...salvage, path, backup };
}

function copyReadable(from: string, out: string): Omit<Salvage, 'path' | 'backup'> {
  const db = new DatabaseSync(from, { timeout: 5000 });
  try {
    try {
      db.prepare('VACUUM INTO ?').run(out);
      const copy = new DatabaseSync(out);
      try {
        const ok = copy.prepare('PRAGMA integrity_check(1)').get() as Record<string, unknown>;
        if (Object.values(ok)[0] === 'ok') return { rows: countRows(copy), how: 'VACUUM INTO', failedTables: [] };
      } finally {
        copy.close();
      }
    } catch {
      // Damage VACUUM cannot read past: fall back to reading table by table.
    }
    rmSync(out, { force: true });
    return tableByTable(db, out);
  } finally {
    db.close();
  }
}

/** Every table of the schema, row by row until the first damage in it. */
function tableByTable(db: DatabaseSync, out: string): Omit<Salvage, 'path' | 'backup'> {
  const fresh = new DatabaseSync(out);
  fresh.exec(SCHEMA);
  const version = (() => {
    try {
      return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
    } catch {
      return 0;
    }
  })();
  fresh.exec(`PRAGMA user_version = ${version}`);
  const tables = [...SCHEMA.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1] as string);
  let rows = 0;
  const failedTables: string[] = [];
  fresh.exec('BEGIN');
  for (const table of tables) {
    try {
      const cols = (fresh.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      const insert = fresh.prepare(`INSERT OR IGNORE INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      for (const row of db.prepare(`SELECT ${cols.join(', ')} FROM ${table}`).iterate()) {
        insert.run(...cols.map((c) => (row as Record<string, never>)[c] as never));
        rows += 1;
      }
    } catch {
      failedTables.push(table);
    }
  }
  fresh.exec('COMMIT');
  fresh.close();
  return { rows, how: 'table by table', failedTables };
}

function countRows(db: DatabaseSync): number {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all().map((r) => String(r.name));
  return tables.reduce((n, t) => n + Number((db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n), 0);
}

/** The backup folder an interrupted swap named, when there was one. */
export function interruptedRepair(dataDir: string): string | undefined {
  const marker = join(dataDir, REPAIR_MARKER);
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
}
