import { copyFile, link, mkdir, mkdtemp, readdir, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { TahoError } from '../../errors.js';

/** A host directory or file the module sees at `guestPath`. */
export interface WasmInput {
  readonly hostPath: string;
  readonly guestPath: string;
  /**
   * By convention only: node:wasi preopens carry full rights, so the engine cannot enforce it.
   * Callers should hand in copies (or a read-only filesystem) when the originals matter.
   */
  readonly readonly: true;
}

export interface Preopens {
  /** Guest path → host directory, as node:wasi takes it. */
  readonly map: Record<string, string>;
  /** Removes what was staged for single-file inputs. */
  readonly cleanup: () => Promise<void>;
}

/**
 * Directories are preopened as they are. A single file is not preopened through its host
 * directory (that would show the module every sibling file): it is hard-linked, or copied when
 * linking fails, into a private staging directory preopened at the file's guest directory.
 */
export async function buildPreopens(inputs: readonly WasmInput[], outputsDir: string): Promise<Preopens> {
  const map: Record<string, string> = {};
  let staging: string | undefined;
  const cleanup = async (): Promise<void> => {
    if (staging) await rm(staging, { recursive: true, force: true });
  };
  try {
    for (const input of inputs) {
      const guest = posix.normalize(input.guestPath);
      const info = await stat(input.hostPath).catch((err: unknown) => {
        throw new TahoError('TAHO_BAD_REQUEST', `input ${input.hostPath} (for ${input.guestPath}) cannot be read`, { cause: err });
      });
      if (info.isDirectory()) {
        await refuseEscapingLinks(input.hostPath);
        claim(map, guest, input.hostPath);
        continue;
      }
      staging ??= await mkdtemp(join(tmpdir(), 'taho-wasm-inputs-'));
      const guestDir = posix.dirname(guest);
      const hostDir = map[guestDir] ?? join(staging, String(Object.keys(map).length));
      if (map[guestDir] !== undefined && !map[guestDir].startsWith(staging)) {
        throw new TahoError('TAHO_BAD_REQUEST', `input ${input.guestPath} would land inside the mounted directory ${guestDir}`);
      }
      await mkdir(hostDir, { recursive: true });
      await link(input.hostPath, join(hostDir, basename(guest))).catch(() => copyFile(input.hostPath, join(hostDir, basename(guest))));
      map[guestDir] = hostDir;
    }
    await refuseEscapingLinks(outputsDir);
    claim(map, '/outputs', outputsDir);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { map, cleanup };
}

function claim(map: Record<string, string>, guest: string, host: string): void {
  if (map[guest] !== undefined) throw new TahoError('TAHO_BAD_REQUEST', `two inputs are mounted at ${guest}`);
  map[guest] = host;
}

/**
 * uvwasi refuses a symlink to a file outside a preopen, and refuses to let the module create
 * escaping links, but it follows a symlinked directory that is already there (measured on Node
 * 24: `dlink/passwd` with dlink → /etc opens the host's file). So a mounted tree must not hold one.
 */
async function refuseEscapingLinks(root: string): Promise<void> {
  const realRoot = await realpath(root);
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isSymbolicLink()) continue;
    const path = join(entry.parentPath, entry.name);
    const target = await realpath(path).catch(async () => resolve(dirname(path), await readlink(path)));
    const rel = relative(realRoot, target);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new TahoError('TAHO_BAD_REQUEST', `${path} is a symbolic link out of the mounted directory ${root}; the module could follow it`, {
        hint: 'Mount a copy without the link, or the link\'s target as an input of its own.',
      });
    }
  }
}
