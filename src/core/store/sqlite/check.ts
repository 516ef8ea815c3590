import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { readWal, type WalState } from './wal.js';

/** Something wrong with a store file: what, in words naming the file, and what the user can do. */
export interface FileProblem {
  readonly file: string;
  readonly what: string;
  readonly todo: string;
}

export interface DbFileState {
  readonly path: string;
  readonly exists: boolean;
  readonly bytes: number;
  readonly pageSize: number | null;
  /** Pages the header says the file holds (when the header vouches for it). */
  readonly pages: number | null;
  readonly wal: WalState;
  readonly problem: FileProblem | undefined;
}

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Looks at a store file and its WAL without SQLite, before SQLite opens them: SQLite starts on an
 * empty file as if it were new, and replays a damaged WAL up to the damage, dropping the rest
 * without a word. Both would start taho with less data than it acknowledged.
 */
export function inspectDbFile(path: string): DbFileState {
  const wal = readWal(`${path}-wal`, null);
  const dir = dirname(path);
  const base = { path, bytes: 0, pageSize: null, pages: null, wal };
  if (!existsSync(path)) {
    const problem = wal.frames > 0
      ? {
        file: path,
        what: `the store ${path} is missing, but its WAL ${path}-wal holds ${wal.frames} pages of writes`,
        todo: `Restore ${path} from a backup (the WAL belongs to it), or start over with an empty store: \`taho doctor --repair --data-dir ${dir}\` moves the WAL aside and keeps it.`,
      }
      : undefined;
    return { ...base, exists: false, wal, problem };
  }
  const bytes = statSync(path).size;
  const head = readHead(path);
  const pageSize = head.length >= 18 ? pageSizeOf(head.readUInt16BE(16)) : null;
  // The header's page count is only valid when its "version valid for" matches the change counter.
  const pages = head.length >= 100 && head.readUInt32BE(92) === head.readUInt32BE(24) ? head.readUInt32BE(28) : null;
  const state = { ...base, exists: true, bytes, pageSize, pages };
  const problem = (what: string, todo: string): DbFileState => ({ ...state, wal: readWal(`${path}-wal`, pageSize), problem: { file: path, what, todo } });
  const restore = `Restore ${path} from a backup, or run \`taho doctor --repair --data-dir ${dir}\`, which keeps what can still be read in a new file and the damaged one beside it`;
  if (bytes === 0) {
    return problem(
      `the store ${path} is empty (0 bytes), though taho never leaves it empty: what it held is gone from this file`,
      `Restore ${path} from a backup, or start over with an empty store: \`taho doctor --repair --data-dir ${dir}\` moves the empty file aside.`,
    );
  }
  if (head.length < 100 || !head.subarray(0, 16).equals(MAGIC) || pageSize === null) {
    return problem(`the store ${path} is not a SQLite database (its first ${Math.min(bytes, 100)} bytes are not a SQLite header)`, `${restore}.`);
  }
  const checked = readWal(`${path}-wal`, pageSize);
  if (pages !== null && bytes < pages * pageSize && !heldInWal(Math.floor(bytes / pageSize) + 1, pages, checked)) {
    return problem(`the store ${path} is cut short: ${bytes} bytes, where its header says ${pages * pageSize}`, `${restore}.`);
  }
  if (checked.headerDamaged) {
    return problem(
      `the WAL ${path}-wal does not replay: its header is damaged, so SQLite would ignore all ${checked.frames} pages in it`,
      `Restore ${path} and ${path}-wal from a backup, or run \`taho doctor --repair --data-dir ${dir}\`, which keeps the store without the WAL in a new file and both originals beside it.`,
    );
  }
  if (checked.lost > 0) {
    return problem(
      `the WAL ${path}-wal does not replay cleanly: frame ${(checked.breakAt ?? 0) + 1} of its ${checked.frames} is damaged, and ${checked.lost} committed ${checked.lost === 1 ? 'write' : 'writes'} after it would be dropped`,
      `Restore ${path} and ${path}-wal from a backup, or run \`taho doctor --repair --data-dir ${dir}\`, which keeps what replays before the damage in a new file and both originals beside it.`,
    );
  }
  return { ...state, wal: checked, problem: undefined };
}

function heldInWal(from: number, to: number, wal: WalState): boolean {
  for (let p = from; p <= to; p++) if (!wal.pagesHeld.has(p)) return false;
  return true;
}

function pageSizeOf(raw: number): number | null {
  const size = raw === 1 ? 65536 : raw;
  return size >= 512 && size <= 65536 && (size & (size - 1)) === 0 ? size : null;
}

function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(100);
    return buf.subarray(0, readSync(fd, buf, 0, 100, 0));
  } finally {
    closeSync(fd);
  }
}
