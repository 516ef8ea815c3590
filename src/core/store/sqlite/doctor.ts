import { copyFileSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { processRunning } from '../../../shared/process.js';
import { inspectDbFile, type DbFileState } from './check.js';
import { STORE_FILE } from './index.js';
import { backupDir, interruptedRepair, recoverInto, REPAIR_MARKER, type Salvage } from './salvage.js';
import { SCHEMA, SCHEMA_VERSION } from './schema.js';

/** One thing `taho doctor` found: `ok`, worth knowing (`note`), or in the way of a clean start (`problem`). */
export interface Finding {
  readonly level: 'ok' | 'note' | 'problem';
  readonly what: string;
  /** What to do about it (a problem), or what the next start does by itself (a note). */
  readonly todo?: string | undefined;
  /** With --repair: what was done. */
  readonly repaired?: string | undefined;
}

export interface StoreDoctorOptions {
  readonly repair: boolean;
}

/**
 * Checks the SQLite store of a data directory offline, opening it read-only: the file and its WAL
 * as the start-up checks see them, every page (integrity_check), the schema version, leases whose
 * holder is gone, and files nothing uses. With `repair` it makes the safe repairs, always keeping
 * the original: a damaged store is copied to a backup folder and what can still be read goes
 * into a new file (VACUUM INTO, or table by table when that fails).
 */
export function doctorStore(dataDir: string, options: StoreDoctorOptions): Finding[] {
  const path = join(dataDir, STORE_FILE);
  const findings: Finding[] = [];
  const interrupted = interruptedRepair(dataDir);
  if (interrupted !== undefined) {
    const what = `a repair of ${path} was interrupted before the repaired store replaced it; the originals are in ${interrupted}`;
    if (!options.repair) return [{ level: 'problem', what, todo: 'Run `taho doctor --repair` again: it puts the originals back and repairs them anew.' }];
    for (const suffix of ['', '-wal', '-shm']) {
      rmSync(`${path}${suffix}`, { force: true });
      const kept = join(interrupted, `${STORE_FILE}${suffix}`);
      if (existsSync(kept)) copyFileSync(kept, `${path}${suffix}`);
    }
    rmSync(join(dataDir, REPAIR_MARKER));
    findings.push({ level: 'note', what, repaired: `put the originals back from ${interrupted} to repair them anew` });
  }
  const state = inspectDbFile(path);
  if (state.problem) {
    findings.push(options.repair ? repairFile(dataDir, state) : { level: 'problem', what: state.problem.what, todo: state.problem.todo.replace(/`taho doctor --repair[^`]*`/, '`taho doctor --repair`') });
  } else if (!state.exists) {
    findings.push({ level: 'ok', what: `no store yet at ${path}: the first start creates it` });
  } else {
    findings.push(...checkOpened(dataDir, state, options));
  }
  findings.push(...strayFiles(dataDir, options));
  return findings;
}

function checkOpened(dataDir: string, state: DbFileState, options: StoreDoctorOptions): Finding[] {
  const path = state.path;
  const out: Finding[] = [];
  const wal = state.wal;
  out.push(wal.frames === 0
    ? { level: 'ok', what: `${path}: ${state.bytes} bytes, no writes waiting in its WAL` }
    : { level: 'ok', what: `${path}: ${state.bytes} bytes; its WAL replays cleanly (${wal.commits} committed ${wal.commits === 1 ? 'write' : 'writes'} not yet copied into the file, which the next start does)` });
  const db = new DatabaseSync(path, { readOnly: true, timeout: 5000 });
  let damaged: string[] = [];
  try {
    damaged = db.prepare('PRAGMA integrity_check(20)').all().map((r) => String(Object.values(r)[0])).filter((r) => r !== 'ok');
    const version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
    if (version > SCHEMA_VERSION) out.push({ level: 'problem', what: `${path} was written by a newer taho (schema ${version}; this taho knows ${SCHEMA_VERSION})`, todo: 'Run the taho version that wrote it, or restore a backup made with this version.' });
    else if (version === 0) out.push({ level: 'note', what: `${path} does not record its schema version (written before taho did)`, todo: 'The next start records it.' });
    else out.push({ level: 'ok', what: `schema version ${version}` });
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => String(r.name)));
    const missing = [...SCHEMA.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1] as string).filter((t) => !tables.has(t));
    if (missing.length > 0) out.push({ level: 'note', what: `${path} lacks the tables ${missing.join(', ')}`, todo: 'The next start creates them (empty).' });
    if (damaged.length === 0 && tables.has('leases')) out.push(...leases(db, path, options));
  } catch (err) {
    damaged = [err instanceof Error ? err.message : String(err)];
  } finally {
    db.close();
  }
  if (damaged.length === 0) {
    out.unshift({ level: 'ok', what: `${path}: every page checks out (integrity_check)` });
    return out;
  }
  const what = `${path} is damaged: ${damaged.slice(0, 5).join('; ')}${damaged.length > 5 ? ` (and ${damaged.length - 5} more)` : ''}`;
  if (!options.repair) {
    out.unshift({ level: 'problem', what, todo: 'Restore it from a backup, or run `taho doctor --repair`, which keeps what can still be read in a new file and the damaged one in a backup folder.' });
    return out;
  }
  const salvage = recoverInto(dataDir, path);
  out.unshift({ level: 'problem', what, repaired: repairedText(salvage) });
  return out;
}

/** A lease held by a process of this host that is gone: the next start takes it over anyway; repair releases it now. */
function leases(db: DatabaseSync, path: string, options: StoreDoctorOptions): Finding[] {
  const rows = db.prepare("SELECT name, holder, pid, host FROM leases WHERE holder != ''").all() as { name: string; holder: string; pid: number | null; host: string | null }[];
  const out: Finding[] = [];
  for (const r of rows) {
    const here = r.host === hostname();
    if (!here || r.pid === null) {
      out.push({ level: 'note', what: `the ${r.name} lease is held by ${r.holder}` });
      continue;
    }
    if (processRunning(r.pid)) {
      out.push({ level: 'ok', what: `the ${r.name} lease is held by pid ${r.pid}, which runs` });
      continue;
    }
    const finding = { level: 'note' as const, what: `the ${r.name} lease is held by pid ${r.pid}, which is gone (a process that was killed)`, todo: 'The next start takes it over; --repair releases it now.' };
    if (!options.repair) {
      out.push(finding);
      continue;
    }
    const rw = new DatabaseSync(path, { timeout: 5000 });
    try {
      // The row stays (holder ''), so the next holder's fencing token is still higher.
      rw.prepare("UPDATE leases SET holder = '', pid = NULL, host = NULL, expires_at = 0 WHERE name = ? AND pid = ?").run(r.name, r.pid);
    } finally {
      rw.close();
    }
    out.push({ ...finding, repaired: `released the ${r.name} lease` });
  }
  return out;
}

function repairFile(dataDir: string, state: DbFileState): Finding {
  const what = state.problem?.what ?? '';
  if (!state.exists || state.bytes === 0) {
    // Nothing in it can be read: it is moved aside, and the next start begins with an empty store.
    const backup = backupDir(dataDir, [state.path, `${state.path}-wal`, `${state.path}-shm`], true);
    return { level: 'problem', what, repaired: `moved ${state.exists ? 'the empty file' : 'the WAL without its store'} to ${backup}; the next start begins with an empty store` };
  }
  return { level: 'problem', what, repaired: repairedText(recoverInto(dataDir, state.path)) };
}

function repairedText(s: Salvage): string {
  const rows = `${s.rows} ${s.rows === 1 ? 'row' : 'rows'}`;
  const lost = s.failedTables.length === 0 ? '' : `; tables read only in part: ${s.failedTables.join(', ')}`;
  return `kept what could be read (${rows}, ${s.how}) in a new ${s.path}${lost}; the original files are in ${s.backup}`;
}

/** Files of the data directory nothing uses: leftovers of an interrupted create, a WAL index without its WAL, backups. */
function strayFiles(dataDir: string, options: StoreDoctorOptions): Finding[] {
  if (!existsSync(dataDir)) return [];
  const out: Finding[] = [];
  for (const name of readdirSync(dataDir)) {
    const file = join(dataDir, name);
    const leftover = name.startsWith(`${STORE_FILE}.new-`) ? 'an interrupted creation of the store'
      : /^taho\.db\.(recovered|repair)-\d+$/.test(name) ? 'an interrupted repair'
        : name === `${STORE_FILE}-shm` && !existsSync(join(dataDir, `${STORE_FILE}-wal`)) ? 'a WAL index without its WAL' : undefined;
    if (leftover !== undefined) {
      const what = `${file} is left over (${leftover}) and unused`;
      if (options.repair) {
        rmSync(file, { recursive: true, force: true });
        out.push({ level: 'note', what, repaired: 'removed it' });
      } else {
        out.push({ level: 'note', what, todo: '--repair removes it.' });
      }
    } else if (/^(events|jobs|town)\.db$/.test(name)) {
      const problem = inspectDbFile(file).problem;
      out.push(problem
        ? { level: 'problem', what: `${problem.what}; it is an earlier version's file, to be copied into ${STORE_FILE} at the next start`, todo: `Restore ${file} from a backup, or move it aside (with its -wal file) to go on without what it held.` }
        : { level: 'note', what: `${file} is an earlier version's file`, todo: `The next start copies it into ${STORE_FILE} and keeps it as ${name}.migrated.` });
    } else if (name.endsWith('.migrated') || name.startsWith('backup-')) {
      const size = statSync(file).isDirectory() ? '' : ` (${statSync(file).size} bytes)`;
      out.push({ level: 'note', what: `${file}${size} is a backup taho kept`, todo: 'Delete it once you no longer need it.' });
    }
  }
  return out;
}
