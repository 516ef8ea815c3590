import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStores } from './index.js';
import type { NewOplogEntry } from '../ports/agents.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(sync: 'normal' | 'full' = 'normal'): { store: SqliteStores['agents']; stores: SqliteStores; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'taho-store-'));
  dirs.push(dir);
  const stores = new SqliteStores(dir, sync);
  return { store: stores.agents, stores, dir };
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

describe('SQLite agent appends', () => {
  it('has an append committed by the time its promise resolves, alone or in a burst', async () => {
    const { store, stores, dir } = open();
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
    await stores.close();
  });

  it('with sync = full, a burst shares one commit and every seq is still per agent', async () => {
    const { store, stores, dir } = open('full');
    const seqs = await Promise.all(['x', 'y', 'x'].map((agent, i) => store.append('c', agent, entry(`f${i}`))));
    expect(seqs).toEqual([1, 1, 2]);
    expect(committed(dir)).toHaveLength(3);
    await stores.close();
  });

  it('answers a second entry with the same idempotency key with the first, storing nothing', async () => {
    const { store, stores, dir } = open();
    await store.append('c', 'a', entry('same'));
    expect(await store.append('c', 'a', entry('same'))).toBe(1);
    expect(committed(dir)).toEqual([{ agent: 'a', seq: 1, key: 'same' }]);
    expect((await store.byKey('c', 'a', 'same'))?.seq).toBe(1);
    // In a burst that shares a commit too.
    const burst = await Promise.all([store.append('c', 'a', entry('n1')), store.append('c', 'a', entry('same')), store.append('c', 'b', entry('n2'))]);
    expect(burst).toEqual([2, 1, 1]);
    expect(committed(dir).map((r) => `${r.agent}${r.seq}:${r.key}`)).toEqual(['a1:same', 'a2:n1', 'b1:n2']);
    await stores.close();
  });

  it('writes what is still pending when it closes', async () => {
    const { store, stores, dir } = open('full');
    const pending = store.append('c', 'a', entry('late'));
    void stores.close();
    expect(await pending).toBe(1);
    expect(committed(dir)).toEqual([{ agent: 'a', seq: 1, key: 'late' }]);
  });
});
