import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { TahoError } from '../../errors.js';
import { inspectDbFile } from './check.js';
import { transaction } from './db.js';

/**
 * Event ids grow by one past the newest row (INTEGER PRIMARY KEY), and trimming never deletes the
 * newest, so an id is never given twice. Not AUTOINCREMENT: its counter row in sqlite_sequence is
 * one more page written by every commit that has an event (most of them); measured, 14 % of a
 * durable call's commit.
 */
const EVENTS_COLUMNS = 'id INTEGER PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL';
const EVENTS_INDEXES = `CREATE INDEX IF NOT EXISTS events_kind ON events (kind, id);
  CREATE INDEX IF NOT EXISTS events_subject ON events (subject, id);`;

/**
 * Every family in one file, so a change and its events commit in one transaction (outbox) and
 * event ids come from one AUTOINCREMENT. Durable agents' tables keep their names of the earlier
 * taho.db; the town's and the jobs' tables are prefixed where a name would collide.
 */
export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS agents (
    component_id TEXT NOT NULL, agent TEXT NOT NULL, created_at INTEGER NOT NULL,
    args TEXT NOT NULL, env TEXT NOT NULL, PRIMARY KEY (component_id, agent));
  CREATE INDEX IF NOT EXISTS agents_of ON agents (component_id);
  CREATE TABLE IF NOT EXISTS oplog (
    component_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    idem_key TEXT NOT NULL, PRIMARY KEY (component_id, agent, seq));
  CREATE UNIQUE INDEX IF NOT EXISTS oplog_key ON oplog (component_id, agent, idem_key);
  CREATE TABLE IF NOT EXISTS snapshots (
    component_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL,
    PRIMARY KEY (component_id, agent));

  CREATE TABLE IF NOT EXISTS events (${EVENTS_COLUMNS});
  ${EVENTS_INDEXES}

  CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL,
    create_time INTEGER NOT NULL, modify_time INTEGER NOT NULL, body TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS jobs_name ON jobs (namespace, name);
  CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state);
  CREATE INDEX IF NOT EXISTS jobs_created ON jobs (create_time, id);
  CREATE INDEX IF NOT EXISTS jobs_modified ON jobs (modify_time, id);
  CREATE TABLE IF NOT EXISTS job_versions (id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (id, version));
  CREATE TABLE IF NOT EXISTS executions (id TEXT PRIMARY KEY, job_id TEXT NOT NULL, create_time INTEGER NOT NULL, body TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS executions_job ON executions (job_id);
  CREATE TABLE IF NOT EXISTS job_history (job_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (job_id, seq));
  CREATE TABLE IF NOT EXISTS job_keys (key TEXT PRIMARY KEY, job_id TEXT NOT NULL);

  CREATE TABLE IF NOT EXISTS town_agents (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS town_tasks (id TEXT PRIMARY KEY, state TEXT NOT NULL, assigned_to TEXT, created_at TEXT NOT NULL, body TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS town_tasks_state ON town_tasks (state);
  CREATE INDEX IF NOT EXISTS town_tasks_agent ON town_tasks (assigned_to);
  CREATE TABLE IF NOT EXISTS town_backlog (seq INTEGER PRIMARY KEY, task_id TEXT NOT NULL UNIQUE);
  CREATE TABLE IF NOT EXISTS town_messages (id TEXT PRIMARY KEY, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS town_inbox (seq INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, urgent INTEGER NOT NULL, task_id TEXT);
  CREATE INDEX IF NOT EXISTS town_inbox_order ON town_inbox (agent_id, urgent DESC, seq);
  CREATE INDEX IF NOT EXISTS town_inbox_task ON town_inbox (task_id);
  CREATE TABLE IF NOT EXISTS town_rounds (agent_id TEXT NOT NULL, n INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (agent_id, n));
  CREATE TABLE IF NOT EXISTS town_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, token INTEGER NOT NULL, expires_at INTEGER NOT NULL, pid INTEGER, host TEXT);
  CREATE TABLE IF NOT EXISTS migrations (file TEXT PRIMARY KEY, at TEXT NOT NULL);
`;

/** The schema this taho writes (`PRAGMA user_version`); a file from a newer one is refused. */
export const SCHEMA_VERSION = 1;

/** What each file written by taho before the single store held, and where its rows go. */
const LEGACY: readonly { file: string; copy: readonly string[] }[] = [
  {
    file: 'events.db',
    // Ids are kept, so a client resuming after id N (SSE Last-Event-ID) still gets what follows N.
    copy: ['INSERT OR IGNORE INTO events (id, kind, subject, body) SELECT id, kind, subject, body FROM old.events ORDER BY id'],
  },
  {
    file: 'jobs.db',
    copy: [
      'INSERT OR IGNORE INTO jobs SELECT * FROM old.jobs',
      'INSERT OR IGNORE INTO job_versions SELECT * FROM old.job_versions',
      'INSERT OR IGNORE INTO executions SELECT * FROM old.executions',
      'INSERT OR IGNORE INTO job_history SELECT * FROM old.history',
      'INSERT OR IGNORE INTO job_keys SELECT * FROM old.idempotency',
    ],
  },
  {
    file: 'town.db',
    // Town agents list in rowid order: copying in that order keeps it. The town's own event table
    // is not copied: every town event was also written to events.db, which is.
    copy: [
      'INSERT OR IGNORE INTO town_agents (id, name, body) SELECT id, name, body FROM old.agents ORDER BY rowid',
      'INSERT OR IGNORE INTO town_tasks (id, state, assigned_to, created_at, body) SELECT id, state, assigned_to, created_at, body FROM old.tasks ORDER BY rowid',
      'INSERT OR IGNORE INTO town_backlog SELECT * FROM old.backlog',
      'INSERT OR IGNORE INTO town_messages SELECT * FROM old.messages',
      'INSERT OR IGNORE INTO town_inbox SELECT * FROM old.inbox',
      'INSERT OR IGNORE INTO town_rounds SELECT * FROM old.rounds',
      'INSERT OR IGNORE INTO town_meta SELECT * FROM old.meta',
    ],
  },
];

/** Lock files of the pid locks that leases replaced. */
const LEGACY_LOCKS = ['jobs.lock', 'town.lock'];

export function createSchema(db: DatabaseSync, path: string, dataDir: string): void {
  transaction(db, path, () => {
    db.exec(SCHEMA);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    dropEventsCounter(db);
  });
  migrateLegacy(db, path, dataDir);
}

/**
 * Rebuilds an events table created with AUTOINCREMENT (taho before this change) without it, rows
 * and ids unchanged, in the transaction that opens the store: a crash leaves the old table. Only
 * when its newest row holds the counter's value: after every event was trimmed, the counter alone
 * knows where ids went, so the table waits until a new event (never trimmed while newest) does.
 * Costs one copy of the events kept, once.
 */
function dropEventsCounter(db: DatabaseSync): void {
  const table = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'").get() as { sql: string } | undefined;
  if (!table || !/AUTOINCREMENT/i.test(table.sql)) return;
  const counter = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as { seq: number } | undefined;
  const newest = Number((db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events').get() as { id: number }).id);
  if (counter !== undefined && Number(counter.seq) > newest) return;
  db.exec(`
    CREATE TABLE events_rebuilt (${EVENTS_COLUMNS});
    INSERT INTO events_rebuilt (id, kind, subject, body) SELECT id, kind, subject, body FROM events ORDER BY id;
    DROP TABLE events;
    ALTER TABLE events_rebuilt RENAME TO events;
    ${EVENTS_INDEXES}
  `);
}

/**
 * Copies the rows of the separate files of earlier versions (events.db, jobs.db, town.db) into
 * this one, each file in one transaction that also records it as migrated; only after that commit
 * is the old file renamed to `<file>.migrated` (kept as a backup). A crash in between copies
 * nothing twice: the record says the copy is done, and the next open only renames.
 */
function migrateLegacy(db: DatabaseSync, path: string, dataDir: string): void {
  for (const { file, copy } of LEGACY) {
    const old = join(dataDir, file);
    if (!existsSync(old)) continue;
    const done = db.prepare('SELECT 1 AS x FROM migrations WHERE file = ?').get(file) !== undefined;
    if (!done) {
      // An earlier version's file is checked like the store itself: an empty or damaged one
      // would migrate as "nothing" and be renamed away.
      const problem = inspectDbFile(old).problem;
      if (problem) throw new TahoError('TAHO_STORE_CORRUPT', `${problem.what}; it was to be copied into ${path}`, {
        hint: `Nothing was changed. Restore ${old} from a backup, or move it aside (with its -wal file) to go on without what it held.`,
      });
      db.prepare('ATTACH DATABASE ? AS old').run(old);
      try {
        const tables = new Set(db.prepare("SELECT name FROM old.sqlite_master WHERE type = 'table'").all().map((r) => String(r.name)));
        transaction(db, path, () => {
          for (const sql of copy) {
            const from = /FROM old\.(\w+)/.exec(sql)?.[1] ?? '';
            if (tables.has(from)) db.exec(sql);
          }
          db.prepare('INSERT INTO migrations VALUES (?, ?)').run(file, new Date().toISOString());
        });
      } finally {
        db.exec('DETACH DATABASE old');
      }
    }
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(old + suffix)) renameSync(old + suffix, `${old}.migrated${suffix}`);
    }
  }
  for (const lock of LEGACY_LOCKS) {
    const f = join(dataDir, lock);
    if (existsSync(f)) renameSync(f, `${f}.migrated`);
  }
}
