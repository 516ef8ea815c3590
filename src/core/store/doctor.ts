import { accessSync, constants, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TahoError } from '../errors.js';
import { readServerState } from '../server-state.js';
import { sqliteDir, type StoreOptions } from './open.js';
import { doctorStore, type Finding } from './sqlite/doctor.js';

export type { Finding } from './sqlite/doctor.js';

export interface DoctorReport {
  readonly dataDir: string;
  readonly findings: readonly Finding[];
  /** No problem is left (none found, or each one repaired). */
  readonly healthy: boolean;
}

/**
 * `taho doctor`: checks a data directory offline, and with `repair` makes the safe repairs (each
 * keeps the original). Refuses to repair while a `taho serve` runs on the directory.
 */
export function doctor(options: Pick<StoreOptions, 'url' | 'dataDir'> & { readonly repair: boolean }): DoctorReport {
  const { dataDir, repair } = options;
  const dir = sqliteDir(options);
  if (dir === undefined) {
    throw new TahoError('TAHO_BAD_ARGUMENTS', 'taho doctor checks a SQLite store; [store] url names a Redis server', {
      hint: 'Check Redis with its own tools (redis-cli INFO persistence, redis-check-aof), or run doctor on a data directory without [store] url.',
    });
  }
  const findings: Finding[] = [];
  if (!existsSync(dir)) {
    return { dataDir, findings: [{ level: 'problem', what: `there is no data directory at ${dir}`, todo: 'Check --data-dir (or TAHO_DATA_DIR, data_dir in config.toml).' }], healthy: false };
  }
  const server = readServerState(dataDir);
  if (server !== undefined) {
    if (repair) {
      throw new TahoError('TAHO_CONFLICT', `taho serve (pid ${server.pid}, ${server.url}) runs on ${dataDir}: a repair must not change files under it`, {
        hint: 'Stop the server (Ctrl-C, or SIGTERM to its pid), then run `taho doctor --repair` again.',
      });
    }
    findings.push({ level: 'note', what: `taho serve (pid ${server.pid}) runs on this data directory: its store was read while live` });
  } else if (existsSync(join(dataDir, 'server.json'))) {
    const what = `${join(dataDir, 'server.json')} names a server that is gone (it was killed)`;
    if (repair) rmSync(join(dataDir, 'server.json'), { force: true });
    findings.push(repair ? { level: 'note', what, repaired: 'removed it' } : { level: 'note', what, todo: 'The next start replaces it; --repair removes it now.' });
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    findings.push({ level: 'problem', what: `the data directory ${dir} is read-only: taho cannot write its store`, todo: 'Make it writable (remount it read-write, or fix its owner and mode).' });
  }
  findings.push(...doctorStore(dir, { repair }));
  return { dataDir, findings, healthy: findings.every((f) => f.level !== 'problem' || f.repaired !== undefined) };
}
