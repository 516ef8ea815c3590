import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { openStores } from '../../src/core/store/open.js';
import { execution, job, message, townAgent, townTask } from './fixtures.js';

// The schema of the separate files taho wrote before the single store (main at 50ee797:
// src/core/events/bus.ts, src/core/jobs/store.ts, src/core/town/store.ts), as they created them.
const OLD = {
  'events.db': `CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL);
    CREATE INDEX events_kind ON events (kind, id);`,
  'jobs.db': `CREATE TABLE jobs (id TEXT PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL, create_time INTEGER NOT NULL, modify_time INTEGER NOT NULL, body TEXT NOT NULL);
    CREATE TABLE job_versions (id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (id, version));
    CREATE TABLE executions (id TEXT PRIMARY KEY, job_id TEXT NOT NULL, create_time INTEGER NOT NULL, body TEXT NOT NULL);
    CREATE TABLE history (job_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (job_id, seq));
    CREATE TABLE idempotency (key TEXT PRIMARY KEY, job_id TEXT NOT NULL);`,
  'town.db': `CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
    CREATE TABLE tasks (id TEXT PRIMARY KEY, state TEXT NOT NULL, assigned_to TEXT, created_at TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE backlog (seq INTEGER PRIMARY KEY, task_id TEXT NOT NULL UNIQUE);
    CREATE TABLE messages (id TEXT PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE inbox (seq INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, urgent INTEGER NOT NULL, task_id TEXT);
    CREATE TABLE rounds (agent_id TEXT NOT NULL, n INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (agent_id, n));
    CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  'taho.db': `CREATE TABLE agents (component_id TEXT NOT NULL, agent TEXT NOT NULL, created_at INTEGER NOT NULL, args TEXT NOT NULL, env TEXT NOT NULL, PRIMARY KEY (component_id, agent));
    CREATE TABLE oplog (component_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, idem_key TEXT NOT NULL, PRIMARY KEY (component_id, agent, seq));
    CREATE UNIQUE INDEX oplog_key ON oplog (component_id, agent, idem_key);
    CREATE TABLE snapshots (component_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (component_id, agent));`,
} as const;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data directory as the earlier taho left it: four files, WAL mode, some of everything. */
function oldDataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'taho-migrate-'));
  dirs.push(dir);
  const db = (file: keyof typeof OLD): DatabaseSync => {
    const d = new DatabaseSync(join(dir, file));
    d.exec('PRAGMA journal_mode = WAL;');
    d.exec(OLD[file]);
    return d;
  };
  const alice = townAgent('alice');
  const bob = townAgent('bob');
  const queued = townTask('queued', { state: 'assigned', assigned_to: alice.id });
  const waiting = townTask('in the backlog');
  const note = message(alice.id, queued.id, 'queued');
  const town = db('town.db');
  for (const a of [bob, alice]) town.prepare('INSERT INTO agents VALUES (?, ?, ?)').run(a.id, a.name, JSON.stringify(a));
  for (const t of [queued, waiting]) town.prepare('INSERT INTO tasks VALUES (?, ?, ?, ?, ?)').run(t.id, t.state, t.assigned_to, t.created_at, JSON.stringify(t));
  town.prepare('INSERT INTO backlog (task_id) VALUES (?)').run(waiting.id);
  town.prepare('INSERT INTO messages VALUES (?, ?)').run(note.id, JSON.stringify(note));
  town.prepare('INSERT INTO inbox (agent_id, message_id, urgent, task_id) VALUES (?, ?, 0, ?)').run(alice.id, note.id, queued.id);
  town.prepare("INSERT INTO meta VALUES ('dispatcher_heartbeat', '2026-01-01T00:00:00.000Z')").run();
  town.prepare('INSERT INTO events (body) VALUES (?)').run('{"kind":"agent","type":"spawned"}');
  const j = job({ State: { StateType: 'Completed' }, Revision: 3 });
  const e = execution(j, { ComputeState: { StateType: 9 } });
  const jobs = db('jobs.db');
  jobs.prepare('INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?)').run(j.ID, j.Namespace, j.Name, j.State.StateType, j.CreateTime, j.ModifyTime, JSON.stringify(j));
  jobs.prepare('INSERT INTO job_versions VALUES (?, ?, ?)').run(j.ID, 1, JSON.stringify(j));
  jobs.prepare('INSERT INTO executions VALUES (?, ?, ?, ?)').run(e.ID, j.ID, e.CreateTime, JSON.stringify(e));
  jobs.prepare('INSERT INTO history VALUES (?, 1, ?)').run(j.ID, JSON.stringify({ SeqNum: 1, JobID: j.ID, Event: { Message: 'Job submitted' } }));
  jobs.prepare("INSERT INTO idempotency VALUES ('key-1', ?)").run(j.ID);
  const events = db('events.db');
  // Ids with a gap, as trimming leaves them: a client resuming after 41 must get 42 next.
  for (const id of [40, 41]) events.prepare('INSERT INTO events VALUES (?, ?, ?, ?)').run(id, 'job', j.ID, JSON.stringify({ kind: 'job', type: 'Completed', subject: j.ID, at: '2026-01-01T00:00:00.000Z', data: { n: id } }));
  const agents = db('taho.db');
  agents.prepare("INSERT INTO agents VALUES ('c1', 'counter-1', 1, '[]', '{}')").run();
  agents.prepare("INSERT INTO oplog VALUES ('c1', 'counter-1', 1, ?, 'k1')").run(JSON.stringify({ seq: 1, kind: 'completed', fn: 'inc', params: [1], host: [], result: 1, key: 'k1', at: 1 }));
  // Left open and un-checkpointed, as a killed server leaves them: rows still in the -wal files.
  return { dir, alice, bob, queued, waiting, note, job: j, execution: e, close: () => [town, jobs, events, agents].forEach((d) => d.close()) };
}

describe('opening a data directory written by earlier taho (four files)', () => {
  it('copies every row into the one store, keeps event ids, and keeps the old files as *.migrated', async () => {
    const old = oldDataDir();
    old.close();
    const s = openStores({ dataDir: old.dir, sync: 'normal' });
    try {
      expect((await s.town.agents()).map((a) => a.name)).toEqual(['bob', 'alice']);
      expect(await s.town.backlog()).toEqual([old.waiting.id]);
      expect((await s.town.inboxNextWork(old.alice.id))?.message.id).toBe(old.note.id);
      expect((await s.town.task(old.queued.id))?.assigned_to).toBe(old.alice.id);
      expect(await s.town.meta('dispatcher_heartbeat')).toBe('2026-01-01T00:00:00.000Z');
      expect((await s.jobs.job(old.job.ID))?.State.StateType).toBe('Completed');
      expect((await s.jobs.executions(old.job.ID)).map((e) => e.ID)).toEqual([old.execution.ID]);
      expect((await s.jobs.history(old.job.ID)).map((h) => h.SeqNum)).toEqual([1]);
      expect(await s.jobs.jobForKey('key-1')).toBe(old.job.ID);
      expect((await s.agents.oplog('c1', 'counter-1')).map((e) => e.key)).toEqual(['k1']);
      expect((await s.events.read(40)).map((e) => e.id)).toEqual([41]);
      // New events number after the old ones; the town's own event table is not carried over.
      const [next] = await s.events.append([{ kind: 'service', type: 'loaded', subject: 'x', data: {} }]);
      expect(next?.id).toBe(42);
      for (const f of ['events.db', 'jobs.db', 'town.db']) {
        expect(existsSync(join(old.dir, f))).toBe(false);
        expect(existsSync(join(old.dir, `${f}.migrated`))).toBe(true);
      }
    } finally {
      await s.close();
    }
  });

  it('copies nothing twice when the old file comes back after its copy committed (a crash before the rename)', async () => {
    const old = oldDataDir();
    old.close();
    await openStores({ dataDir: old.dir, sync: 'normal' }).close();
    copyFileSync(join(old.dir, 'jobs.db.migrated'), join(old.dir, 'jobs.db'));
    const s = openStores({ dataDir: old.dir, sync: 'normal' });
    try {
      expect(await s.jobs.jobs()).toHaveLength(1);
      expect(await s.jobs.history(old.job.ID)).toHaveLength(1);
      expect(existsSync(join(old.dir, 'jobs.db'))).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('opens a data directory whose old files are still open in WAL mode by nobody (rows only in the -wal files)', async () => {
    const old = oldDataDir();
    // Copy the files with their -wal files as a crash leaves them, into a fresh directory.
    const crashed = mkdtempSync(join(tmpdir(), 'taho-migrate-wal-'));
    dirs.push(crashed);
    for (const f of ['events.db', 'jobs.db', 'town.db', 'taho.db']) {
      for (const suffix of ['', '-wal']) if (existsSync(join(old.dir, f + suffix))) copyFileSync(join(old.dir, f + suffix), join(crashed, f + suffix));
    }
    old.close();
    const s = openStores({ dataDir: crashed, sync: 'normal' });
    try {
      expect((await s.town.agents()).map((a) => a.name)).toEqual(['bob', 'alice']);
      expect(await s.jobs.jobForKey('key-1')).toBe(old.job.ID);
      expect((await s.events.read(0)).map((e) => e.id)).toEqual([40, 41]);
    } finally {
      await s.close();
    }
  });
});

/**
 * A store as the single-store taho wrote it before its events table lost AUTOINCREMENT (the one
 * difference in schema): events `ids` kept, the counter at `counter`.
 */
async function autoincrementStore(ids: readonly number[], counter: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'taho-migrate-events-'));
  dirs.push(dir);
  await openStores({ dataDir: dir, sync: 'normal' }).close();
  const db = new DatabaseSync(join(dir, 'taho.db'));
  db.exec(`DROP TABLE events;
    CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL);
    CREATE INDEX events_kind ON events (kind, id);
    CREATE INDEX events_subject ON events (subject, id);`);
  for (const id of ids) db.prepare('INSERT INTO events VALUES (?, ?, ?, ?)').run(id, 'job', `j${id}`, JSON.stringify({ kind: 'job', type: 'Completed', subject: `j${id}`, at: '2026-01-01T00:00:00.000Z', data: { n: id } }));
  db.exec("DELETE FROM sqlite_sequence WHERE name = 'events'");
  db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(counter);
  db.close();
  return dir;
}

const eventsSql = (dir: string): string => {
  const db = new DatabaseSync(join(dir, 'taho.db'), { readOnly: true });
  try {
    return String((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'events'").get() as { sql: string }).sql);
  } finally {
    db.close();
  }
};

describe('opening a store whose events table counts ids with AUTOINCREMENT (written before 13b)', () => {
  it('rebuilds it without the counter: every event and id kept, the next id after the newest', async () => {
    const dir = await autoincrementStore([7, 8, 9], 9);
    const s = openStores({ dataDir: dir, sync: 'normal' });
    try {
      expect(eventsSql(dir)).not.toMatch(/AUTOINCREMENT/i);
      expect((await s.events.read(0)).map((e) => [e.id, e.subject, e.data])).toEqual([[7, 'j7', { n: 7 }], [8, 'j8', { n: 8 }], [9, 'j9', { n: 9 }]]);
      expect((await s.events.read(0, { subject: 'j8' })).map((e) => e.id)).toEqual([8]);
      expect((await s.events.read(0, { kinds: ['job'] })).map((e) => e.id)).toEqual([7, 8, 9]);
      const [next] = await s.events.append([{ kind: 'service', type: 'loaded', subject: 'x', data: {} }]);
      expect(next?.id).toBe(10);
    } finally {
      await s.close();
    }
  });

  it('keeps the counter while it alone knows the last id (every event trimmed), and drops it once a newer event holds it', async () => {
    const dir = await autoincrementStore([], 41);
    let s = openStores({ dataDir: dir, sync: 'normal' });
    try {
      expect(eventsSql(dir)).toMatch(/AUTOINCREMENT/i);
      const [next] = await s.events.append([{ kind: 'service', type: 'loaded', subject: 'x', data: {} }]);
      expect(next?.id).toBe(42);
    } finally {
      await s.close();
    }
    s = openStores({ dataDir: dir, sync: 'normal' });
    try {
      expect(eventsSql(dir)).not.toMatch(/AUTOINCREMENT/i);
      // Trimming past the newest keeps it: ids still go on from 42.
      expect(await s.events.trim(1000)).toBe(0);
      const [after] = await s.events.append([{ kind: 'service', type: 'loaded', subject: 'y', data: {} }]);
      expect(after?.id).toBe(43);
      await s.events.trim(1000);
      expect((await s.events.read(0)).map((e) => e.id)).toEqual([43]);
      const [last] = await s.events.append([{ kind: 'service', type: 'loaded', subject: 'z', data: {} }]);
      expect(last?.id).toBe(44);
    } finally {
      await s.close();
    }
  });
});
