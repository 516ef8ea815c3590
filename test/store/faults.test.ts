import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TahoError } from '../../src/core/errors.js';
import { openStores } from '../../src/core/store/open.js';
import type { Stores } from '../../src/core/store/ports/index.js';

const root = process.getuid?.() === 0;
const dirs: string[] = [];
const mounts: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'taho-fault-'));
  dirs.push(d);
  return d;
}

/** A small file system of its own (root only: CI runs as root). */
function tmpfs(size: string): string {
  const d = dir();
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', d]);
  mounts.push(d);
  return d;
}

function caught(fn: () => unknown): TahoError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TahoError) return err;
    throw err;
  }
  throw new Error('expected a TahoError');
}

const entry = (key: string, size = 10) => ({ kind: 'completed' as const, fn: 'f', params: 'x'.repeat(size), host: [], result: 1, key, at: 0 });

describe('store faults give a typed error naming the file and what to do', () => {
  it('a truncated database file: TAHO_STORE_CORRUPT with a hint, never an internal error', async () => {
    const d = dir();
    const s = openStores({ dataDir: d, sync: 'normal' });
    for (let i = 0; i < 50; i++) await s.agents.append('c', 'a', entry(`k${i}`, 2000));
    await s.close();
    const file = join(d, 'taho.db');
    truncateSync(file, 50); // less than SQLite's header
    const err = caught(() => openStores({ dataDir: d, sync: 'normal' }));
    expect(err.code).toBe('TAHO_STORE_CORRUPT');
    expect(err.message).toContain(file);
    expect(err.hint).toMatch(/backup/);
  });

  it('a database file cut in the middle: reads fail as TAHO_STORE_CORRUPT', async () => {
    const d = dir();
    const s = openStores({ dataDir: d, sync: 'normal' });
    for (let i = 0; i < 200; i++) await s.agents.append('c', 'a', entry(`k${i}`, 2000));
    await s.close();
    const file = join(d, 'taho.db');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    let err: unknown;
    let opened: Stores | undefined;
    try {
      opened = openStores({ dataDir: d, sync: 'normal' });
      await opened.agents.oplog('c', 'a');
    } catch (e) {
      err = e;
    } finally {
      await opened?.close();
    }
    expect(err).toBeInstanceOf(TahoError);
    expect((err as TahoError).code).toBe('TAHO_STORE_CORRUPT');
  });

  it.skipIf(!root)('a read-only data directory: TAHO_STORE_READ_ONLY naming the file (needs root for a read-only mount)', async () => {
    const d = tmpfs('4m');
    const s = openStores({ dataDir: d, sync: 'normal' });
    await s.agents.append('c', 'a', entry('k'));
    await s.close();
    execFileSync('mount', ['-o', 'remount,ro', d]);
    const err = caught(() => openStores({ dataDir: d, sync: 'normal' }));
    expect(err.code).toBe('TAHO_STORE_READ_ONLY');
    expect(err.message).toContain(join(d, 'taho.db'));
    expect(err.hint).toMatch(/writable/);
  });

  it.skipIf(!root)('a full disk: TAHO_STORE_FULL, /ready-style health says why, and every acknowledged entry is kept (needs root for a small tmpfs)', async () => {
    const d = tmpfs('2m');
    const s = openStores({ dataDir: d, sync: 'normal' });
    const acked: string[] = [];
    let err: unknown;
    // Big entries until one does not fit, then small ones until none does: whether a tiny write
    // still fits after the big one failed depends on the file's page layout, not on the store.
    for (const size of [8000, 200, 1]) {
      err = undefined;
      for (let i = 0; i < 10_000 && err === undefined; i++) {
        try {
          await s.agents.append('c', 'a', entry(`k${size}-${i}`, size));
          acked.push(`k${size}-${i}`);
        } catch (e) {
          err = e;
        }
      }
      expect(err).toBeInstanceOf(TahoError);
      expect((err as TahoError).code).toBe('TAHO_STORE_FULL');
      expect((err as TahoError).hint).toMatch(/Free space/);
    }
    // A write that fails part-way leaves WAL frames the next small write may reuse, so health's
    // own probe can still fit once; when it does, that room is gone and the next probe fails.
    let health = await s.health();
    for (let i = 0; i < 3 && health.ok; i++) {
      await s.agents.append('c', 'a', entry(`probe-${i}`, 1)).then(() => acked.push(`probe-${i}`), () => undefined);
      health = await s.health();
    }
    expect(health).toMatchObject({ ok: false, kind: 'sqlite', location: join(d, 'taho.db') });
    expect(health.reason).toMatch(/full/);
    await s.close();
    execFileSync('mount', ['-o', 'remount,size=8m', d]);
    const again = openStores({ dataDir: d, sync: 'normal' });
    try {
      expect((await again.agents.oplog('c', 'a')).map((e) => e.key)).toEqual(acked);
      expect((await again.health()).ok).toBe(true);
    } finally {
      await again.close();
    }
  });
});
