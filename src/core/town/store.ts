import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import { openSqlite, transaction } from '../store/sqlite-file.js';
import type { Agent, EventKind, Message, Round, Task, TaskState, TownEvent } from './model.js';

/** Events kept for replay (SSE resume); older ones are trimmed when the store opens. */
const KEEP_EVENTS = 10_000;

export interface InboxRow {
  readonly seq: number;
  readonly agent_id: string;
  readonly urgent: boolean;
  readonly message: Message;
}

/**
 * The town's own SQLite file, `<dataDir>/town.db` (WAL; a second process such as the CLI can
 * write while the server dispatches). Rows hold the wire objects as JSON plus the columns we
 * query by. Every multi-row change runs inside `tx`, so a task is in exactly one place (backlog,
 * one inbox, one agent's hands, or finished) after any crash.
 */
export class TownStore {
  readonly #db: DatabaseSync;
  readonly #st: Record<string, StatementSync>;

  constructor(dataDir: string) {
    this.#db = openSqlite(dataDir, 'town.db');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, state TEXT NOT NULL, assigned_to TEXT, created_at TEXT NOT NULL, body TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS tasks_state ON tasks (state);
      CREATE INDEX IF NOT EXISTS tasks_agent ON tasks (assigned_to);
      CREATE TABLE IF NOT EXISTS backlog (seq INTEGER PRIMARY KEY, task_id TEXT NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE,
        urgent INTEGER NOT NULL, task_id TEXT);
      CREATE INDEX IF NOT EXISTS inbox_order ON inbox (agent_id, urgent DESC, seq);
      CREATE INDEX IF NOT EXISTS inbox_task ON inbox (task_id);
      CREATE TABLE IF NOT EXISTS rounds (agent_id TEXT NOT NULL, n INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (agent_id, n));
      CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    const db = this.#db;
    this.#st = {
      agent: db.prepare('SELECT body FROM agents WHERE id = ?'),
      agentByName: db.prepare('SELECT body FROM agents WHERE name = ?'),
      agents: db.prepare('SELECT body FROM agents ORDER BY rowid'),
      putAgent: db.prepare('INSERT INTO agents VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body'),
      deleteAgent: db.prepare('DELETE FROM agents WHERE id = ?'),
      task: db.prepare('SELECT body FROM tasks WHERE id = ?'),
      tasks: db.prepare('SELECT body FROM tasks ORDER BY created_at, rowid'),
      putTask: db.prepare('INSERT INTO tasks VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, assigned_to = excluded.assigned_to, body = excluded.body'),
      deleteTask: db.prepare('DELETE FROM tasks WHERE id = ?'),
      backlogPush: db.prepare('INSERT INTO backlog (task_id) VALUES (?)'),
      backlogRemove: db.prepare('DELETE FROM backlog WHERE task_id = ?'),
      backlog: db.prepare('SELECT task_id FROM backlog ORDER BY seq'),
      backlogHas: db.prepare('SELECT 1 AS x FROM backlog WHERE task_id = ?'),
      putMessage: db.prepare('INSERT OR REPLACE INTO messages VALUES (?, ?)'),
      message: db.prepare('SELECT body FROM messages WHERE id = ?'),
      inboxPush: db.prepare('INSERT INTO inbox (agent_id, message_id, urgent, task_id) VALUES (?, ?, ?, ?)'),
      inboxPushFront: db.prepare('INSERT INTO inbox VALUES ((SELECT COALESCE(MIN(seq), 1) - 1 FROM inbox), ?, ?, ?, ?)'),
      inboxList: db.prepare('SELECT i.seq, i.agent_id, i.urgent, m.body FROM inbox i JOIN messages m ON m.id = i.message_id WHERE i.agent_id = ? ORDER BY i.urgent DESC, i.seq LIMIT ?'),
      inboxNextWork: db.prepare('SELECT i.seq, i.agent_id, i.urgent, m.body FROM inbox i JOIN messages m ON m.id = i.message_id WHERE i.agent_id = ? AND i.task_id IS NOT NULL ORDER BY i.urgent DESC, i.seq LIMIT 1'),
      inboxNoWork: db.prepare('SELECT i.seq, i.agent_id, i.urgent, m.body FROM inbox i JOIN messages m ON m.id = i.message_id WHERE i.agent_id = ? AND i.task_id IS NULL ORDER BY i.urgent DESC, i.seq'),
      inboxCounts: db.prepare('SELECT COUNT(*) AS total, COALESCE(SUM(urgent), 0) AS urgent, COALESCE(SUM(task_id IS NOT NULL), 0) AS work FROM inbox WHERE agent_id = ?'),
      inboxOfTask: db.prepare('SELECT i.seq, i.agent_id, i.urgent, m.body FROM inbox i JOIN messages m ON m.id = i.message_id WHERE i.task_id = ?'),
      inboxRemove: db.prepare('DELETE FROM inbox WHERE seq = ?'),
      inboxRemoveTask: db.prepare('DELETE FROM inbox WHERE task_id = ?'),
      inboxClear: db.prepare('DELETE FROM inbox WHERE agent_id = ?'),
      inboxAgentsWithWork: db.prepare('SELECT DISTINCT agent_id FROM inbox WHERE task_id IS NOT NULL'),
      putRound: db.prepare('INSERT OR REPLACE INTO rounds VALUES (?, ?, ?)'),
      lastRound: db.prepare('SELECT body FROM rounds WHERE agent_id = ? ORDER BY n DESC LIMIT 1'),
      deleteRounds: db.prepare('DELETE FROM rounds WHERE agent_id = ?'),
      appendEvent: db.prepare('INSERT INTO events (body) VALUES (?)'),
      eventsSince: db.prepare('SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta VALUES (?, ?)'),
    };
    db.prepare('DELETE FROM events WHERE id <= (SELECT COALESCE(MAX(id), 0) FROM events) - ?').run(KEEP_EVENTS);
  }

  /** One write transaction; nested calls join the outer one, and a throw rolls everything back. */
  tx<T>(fn: () => T): T {
    return transaction(this.#db, fn);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  agent(id: string): Agent | undefined {
    return body<Agent>(this.#run('agent').get(id));
  }
  agentByName(name: string): Agent | undefined {
    return body<Agent>(this.#run('agentByName').get(name));
  }
  agents(): Agent[] {
    return this.#run('agents').all().map((r) => parse<Agent>(r));
  }
  putAgent(a: Agent): void {
    this.#run('putAgent').run(a.id, a.name, JSON.stringify(a));
  }
  deleteAgent(id: string): void {
    this.#run('deleteAgent').run(id);
    this.#run('inboxClear').run(id);
    this.#run('deleteRounds').run(id);
  }

  task(id: string): Task | undefined {
    return body<Task>(this.#run('task').get(id));
  }
  tasks(filter: { state?: readonly TaskState[]; assigned_to?: string } = {}): Task[] {
    return this.#run('tasks')
      .all()
      .map((r) => parse<Task>(r))
      .filter((t) => (filter.state === undefined || filter.state.includes(t.state)) && (filter.assigned_to === undefined || t.assigned_to === filter.assigned_to));
  }
  putTask(t: Task): void {
    this.#run('putTask').run(t.id, t.state, t.assigned_to, t.created_at, JSON.stringify(t));
  }
  deleteTask(id: string): void {
    this.#run('deleteTask').run(id);
    this.#run('backlogRemove').run(id);
    this.#run('inboxRemoveTask').run(id);
  }

  backlogPush(taskId: string): void {
    this.#run('backlogPush').run(taskId);
  }
  /** True when the task was there: the caller's proof that it, and no one else, took it out. */
  backlogRemove(taskId: string): boolean {
    return Number(this.#run('backlogRemove').run(taskId).changes) === 1;
  }
  backlog(): string[] {
    return this.#run('backlog').all().map((r) => String(r.task_id));
  }
  inBacklog(taskId: string): boolean {
    return this.#run('backlogHas').get(taskId) !== undefined;
  }

  putMessage(m: Message): void {
    this.#run('putMessage').run(m.id, JSON.stringify(m));
  }
  message(id: string): Message | undefined {
    return body<Message>(this.#run('message').get(id));
  }

  /** `front` puts it ahead of everything (a round given back by restart runs next). */
  inboxPush(agentId: string, m: Message, urgent: boolean, front = false): void {
    this.putMessage(m);
    this.#run(front ? 'inboxPushFront' : 'inboxPush').run(agentId, m.id, urgent ? 1 : 0, m.task_id);
  }
  /** Urgent lane first, then arrival order. */
  inbox(agentId: string, limit = 100): InboxRow[] {
    return this.#run('inboxList').all(agentId, limit).map(inboxRow);
  }
  /** The next message that carries work, urgent first. */
  inboxNextWork(agentId: string): InboxRow | undefined {
    const r = this.#run('inboxNextWork').get(agentId);
    return r === undefined ? undefined : inboxRow(r);
  }
  /** Informational messages, which ride along in the next round's prompt. */
  inboxNotes(agentId: string): InboxRow[] {
    return this.#run('inboxNoWork').all(agentId).map(inboxRow);
  }
  inboxCounts(agentId: string): { total: number; urgent: number; work: number } {
    const r = this.#run('inboxCounts').get(agentId) ?? {};
    return { total: Number(r.total ?? 0), urgent: Number(r.urgent ?? 0), work: Number(r.work ?? 0) };
  }
  inboxOfTask(taskId: string): InboxRow | undefined {
    const r = this.#run('inboxOfTask').get(taskId);
    return r === undefined ? undefined : inboxRow(r);
  }
  inboxRemove(seq: number): boolean {
    return Number(this.#run('inboxRemove').run(seq).changes) === 1;
  }
  inboxRemoveTask(taskId: string): number {
    return Number(this.#run('inboxRemoveTask').run(taskId).changes);
  }
  agentsWithWork(): string[] {
    return this.#run('inboxAgentsWithWork').all().map((r) => String(r.agent_id));
  }

  putRound(r: Round): void {
    this.#run('putRound').run(r.agent_id, r.n, JSON.stringify(r));
  }
  lastRound(agentId: string): Round | undefined {
    return body<Round>(this.#run('lastRound').get(agentId));
  }

  appendEvent(kind: EventKind, type: string, at: string, data: Readonly<Record<string, unknown>>): TownEvent {
    const partial = { kind, type, at, data };
    const id = Number(this.#run('appendEvent').run(JSON.stringify(partial)).lastInsertRowid);
    return { id, ...partial };
  }
  eventsSince(afterId: number, limit = 1000): TownEvent[] {
    return this.#run('eventsSince')
      .all(afterId, limit)
      .map((r) => ({ id: Number(r.id), ...(JSON.parse(String(r.body)) as Omit<TownEvent, 'id'>) }));
  }

  meta(key: string): string | undefined {
    const r = this.#run('getMeta').get(key);
    return r === undefined ? undefined : String(r.value);
  }
  setMeta(key: string, value: string): void {
    this.#run('setMeta').run(key, value);
  }

  #run(name: string): StatementSync {
    const st = this.#st[name];
    if (st === undefined) throw new Error(`town store: no statement ${name}`);
    return st;
  }
}

type Row = Record<string, SQLOutputValue>;

function parse<T>(row: Row): T {
  return JSON.parse(String(row.body)) as T;
}
function body<T>(row: Row | undefined): T | undefined {
  return row === undefined ? undefined : parse<T>(row);
}
function inboxRow(r: Row): InboxRow {
  return { seq: Number(r.seq), agent_id: String(r.agent_id), urgent: Number(r.urgent) === 1, message: parse<Message>(r) };
}
