import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../shared/process.js';

/**
 * `<data_dir>/server.json` says a `taho serve` owns this data directory, and where it listens,
 * so CLI commands talk to it instead of opening the same state a second time.
 */
export interface ServerState {
  readonly url: string;
  readonly pid: number;
  readonly startedAt: string;
  /** The config file it runs with (as of its last reload), so a client can tell a newer or other file. */
  readonly config?: { readonly file: string | null; readonly mtimeMs: number } | undefined;
}

const FILE = 'server.json';

export function writeServerState(dataDir: string, state: ServerState): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, FILE), `${JSON.stringify(state)}\n`);
}

export function removeServerState(dataDir: string, pid: number): void {
  const current = readServerState(dataDir);
  if (current?.pid === pid) rmSync(join(dataDir, FILE), { force: true });
}

/** The running server of this data directory, or undefined (no file, unreadable, or its process is gone). */
export function readServerState(dataDir: string): ServerState | undefined {
  const path = join(dataDir, FILE);
  if (!existsSync(path)) return undefined;
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as ServerState;
    if (typeof state.url !== 'string' || typeof state.pid !== 'number') return undefined;
    return processAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

