import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite.js';
import type { NewOplogEntry } from './contract.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(sync: 'normal' | 'full' = 'normal'): { store: SqliteStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'taho-store-'));
  dirs.push(dir);
  return { store: new SqliteStore({ dataDir: dir, sync }), dir };
}

const entry = (key: string): NewOplogEntry => ({ kind: 'completed', fn: 'increment', params: [1], host: [], result: 1, key, at: 0 });

/** What another connection (a process that opens the file after a crash) sees committed. */
function committed(dir: string): { agent: string; seq: number; key: string }[] {
  const db = new DatabaseSync(join(dir, 'taho.db'), { readOnly: true });
  try {
    return db.prepare('SELECT agent, seq, idem_key AS key FROM oplog ORDER BY agent, seq').all() as { agent: string; seq: number; key: string }[];
  } finally {
    db.close();
  }
}

describe('SqliteStore appends', () => {
  it('has an append committed by the time its promise resolves, alone or in a burst', async () => {
    const { store, dir } = open();
    const seq = await store.append('c', 'a', entry('k1'));
    expect(seq).toBe(1);
    expect(committed(dir)).toEqual([{ agent: 'a', seq: 1, key: 'k1' }]);

    // A burst in one turn: each resolves only once its entry is readable from elsewhere.
    const burst = ['a', 'b', 'a', 'b', 'a'].map((agent, i) => store.append('c', agent, entry(`b${i}`)).then((s) => {
      expect(committed(dir).some((r) => r.agent === agent && r.seq === s)).toBe(true);
      return s;
    }));
    expect(await Promise.all(burst)).toEqual([2, 1, 3, 2, 4]);
    expect(committed(dir).map((r) => `${r.agent}${r.seq}:${r.key}`)).toEqual(['a1:k1', 'a2:b0', 'a3:b2', 'a4:b4', 'b1:b1', 'b2:b3']);
    store.close();
  });

  it('with sync = full, a burst shares one commit and every seq is still per agent', async () => {
    const { store, dir } = open('full');
    const seqs = await Promise.all(['x', 'y', 'x'].map((agent, i) => store.append('c', agent, entry(`f${i}`))));
    expect(seqs).toEqual([1, 1, 2]);
    expect(committed(dir)).toHaveLength(3);
    store.close();
  });

  it('refuses a second entry with the same idempotency key and keeps the first', async () => {
    const { store, dir } = open();
    await store.append('c', 'a', entry('same'));
    await expect(store.append('c', 'a', entry('same'))).rejects.toThrow(/UNIQUE/);
    expect(committed(dir)).toEqual([{ agent: 'a', seq: 1, key: 'same' }]);
    expect(store.byKey('c', 'a', 'same')?.seq).toBe(1);
    // In a burst that shares a commit, only the bad entry fails.
    const burst = await Promise.allSettled([store.append('c', 'a', entry('n1')), store.append('c', 'a', entry('same')), store.append('c', 'b', entry('n2'))]);
    expect(burst.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed(dir).map((r) => `${r.agent}${r.seq}:${r.key}`)).toEqual(['a1:same', 'a2:n1', 'b1:n2']);
    store.close();
  });

  it('writes what is still pending when it closes', async () => {
    const { store, dir } = open('full');
    const pending = store.append('c', 'a', entry('late'));
    store.close();
    expect(await pending).toBe(1);
    expect(committed(dir)).toEqual([{ agent: 'a', seq: 1, key: 'late' }]);
  });
});
