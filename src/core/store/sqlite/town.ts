import type { SQLOutputValue, StatementSync } from 'node:sqlite';
import type { Agent, Message, Round, Task, TaskState } from '../../town/model.js';
import type { InboxRow, TaskPageQuery, TaskRow, TownApplied, TownGuard, TownOp, TownStore, TownWrite } from '../ports/town.js';
import { reading, transaction } from './db.js';
import type { SqliteContext } from './context.js';

type Row = Record<string, SQLOutputValue>;

/** Thrown inside the transaction to roll it back when a guard or a take fails. */
class Conflict {
  constructor(readonly why: string) {}
}

/**
 * The town's tables in the store's file (WAL; a second process such as the CLI can write while
 * the server dispatches). Rows hold the wire objects as JSON plus the columns queried by; guards
 * compare that JSON with what the writer read.
 */
export class SqliteTownStore implements TownStore {
  readonly #ctx: SqliteContext;
  readonly #path: string;
  readonly #st: Record<string, StatementSync>;
  /** Task page statements by their SQL (one per combination of filters). */
  readonly #pages = new Map<string, StatementSync>();

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#path = ctx.path;
    const db = ctx.db;
    const join = 'SELECT i.agent_id, i.urgent, m.body FROM town_inbox i JOIN town_messages m ON m.id = i.message_id';
    this.#st = {
      agent: db.prepare('SELECT body FROM town_agents WHERE id = ?'),
      agentByName: db.prepare('SELECT body FROM town_agents WHERE name = ?'),
      agents: db.prepare('SELECT body FROM town_agents ORDER BY rowid'),
      putAgent: db.prepare('INSERT INTO town_agents VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body'),
      deleteAgent: db.prepare('DELETE FROM town_agents WHERE id = ?'),
      task: db.prepare('SELECT body FROM town_tasks WHERE id = ?'),
      tasks: db.prepare('SELECT body FROM town_tasks ORDER BY created_at, rowid'),
      taskCounts: db.prepare('SELECT state, COUNT(*) AS n FROM town_tasks GROUP BY state'),
      putTask: db.prepare('INSERT INTO town_tasks VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, assigned_to = excluded.assigned_to, body = excluded.body'),
      deleteTask: db.prepare('DELETE FROM town_tasks WHERE id = ?'),
      backlogPush: db.prepare('INSERT OR IGNORE INTO town_backlog (task_id) VALUES (?)'),
      backlogRemove: db.prepare('DELETE FROM town_backlog WHERE task_id = ?'),
      backlog: db.prepare('SELECT task_id FROM town_backlog ORDER BY seq'),
      backlogHas: db.prepare('SELECT 1 AS x FROM town_backlog WHERE task_id = ?'),
      putMessage: db.prepare('INSERT OR REPLACE INTO town_messages VALUES (?, ?)'),
      inboxPush: db.prepare('INSERT INTO town_inbox (agent_id, message_id, urgent, task_id) VALUES (?, ?, ?, ?)'),
      inboxPushFront: db.prepare('INSERT INTO town_inbox VALUES ((SELECT COALESCE(MIN(seq), 1) - 1 FROM town_inbox), ?, ?, ?, ?)'),
      inboxList: db.prepare(`${join} WHERE i.agent_id = ? ORDER BY i.urgent DESC, i.seq LIMIT ?`),
      inboxNextWork: db.prepare(`${join} WHERE i.agent_id = ? AND i.task_id IS NOT NULL ORDER BY i.urgent DESC, i.seq LIMIT 1`),
      inboxNoWork: db.prepare(`${join} WHERE i.agent_id = ? AND i.task_id IS NULL ORDER BY i.urgent DESC, i.seq`),
      inboxCounts: db.prepare('SELECT COUNT(*) AS total, COALESCE(SUM(urgent), 0) AS urgent, COALESCE(SUM(task_id IS NOT NULL), 0) AS work FROM town_inbox WHERE agent_id = ?'),
      inboxOfTask: db.prepare(`${join} WHERE i.task_id = ?`),
      inboxTake: db.prepare('DELETE FROM town_inbox WHERE message_id = ?'),
      inboxRemoveTask: db.prepare('DELETE FROM town_inbox WHERE task_id = ?'),
      inboxClear: db.prepare('DELETE FROM town_inbox WHERE agent_id = ?'),
      inboxAgentsWithWork: db.prepare('SELECT DISTINCT agent_id FROM town_inbox WHERE task_id IS NOT NULL'),
      putRound: db.prepare('INSERT OR REPLACE INTO town_rounds VALUES (?, ?, ?)'),
      lastRound: db.prepare('SELECT body FROM town_rounds WHERE agent_id = ? ORDER BY n DESC LIMIT 1'),
      deleteRounds: db.prepare('DELETE FROM town_rounds WHERE agent_id = ?'),
      getMeta: db.prepare('SELECT value FROM town_meta WHERE key = ?'),
      setMeta: db.prepare('INSERT OR REPLACE INTO town_meta VALUES (?, ?)'),
    };
  }

  async apply(w: TownWrite): Promise<TownApplied> {
    let events;
    try {
      events = transaction(this.#ctx.db, this.#path, () => {
        if (w.fence) this.#ctx.leases.check(w.fence);
        for (const g of w.guards ?? []) this.#check(g);
        for (const op of w.ops) this.#apply(op);
        return this.#ctx.outbox.write(w.events ?? []);
      });
    } catch (err) {
      if (err instanceof Conflict) return { ok: false, conflict: err.why };
      throw err;
    }
    this.#ctx.changes.committed(events);
    return { ok: true, events };
  }

  #check(g: TownGuard): void {
    if ('agentName' in g) {
      if (this.#st.agentByName!.get(g.agentName) !== undefined) throw new Conflict(`an agent is named ${g.agentName}`);
      return;
    }
    const [what, id, row] = 'agent' in g ? ['agent', g.agent, this.#st.agent!.get(g.agent)] : ['task', g.task, this.#st.task!.get(g.task)];
    const now = row === undefined ? null : String(row.body);
    if (now !== (g.is === null ? null : JSON.stringify(g.is))) throw new Conflict(`${what} ${id} changed`);
  }

  #apply(op: TownOp): void {
    const st = this.#st;
    switch (op.op) {
      case 'putAgent':
        st.putAgent!.run(op.agent.id, op.agent.name, JSON.stringify(op.agent));
        return;
      case 'deleteAgent':
        st.deleteAgent!.run(op.id);
        st.inboxClear!.run(op.id);
        st.deleteRounds!.run(op.id);
        return;
      case 'putTask':
        st.putTask!.run(op.task.id, op.task.state, op.task.assigned_to, op.task.created_at, JSON.stringify(op.task));
        return;
      case 'deleteTask':
        st.deleteTask!.run(op.id);
        st.backlogRemove!.run(op.id);
        st.inboxRemoveTask!.run(op.id);
        return;
      case 'backlogPush':
        st.backlogPush!.run(op.taskId);
        return;
      case 'backlogTake':
        if (Number(st.backlogRemove!.run(op.taskId).changes) !== 1) throw new Conflict(`task ${op.taskId} is not in the backlog`);
        return;
      case 'backlogRemove':
        st.backlogRemove!.run(op.taskId);
        return;
      case 'inboxPush':
        st.putMessage!.run(op.message.id, JSON.stringify(op.message));
        st[op.front === true ? 'inboxPushFront' : 'inboxPush']!.run(op.agentId, op.message.id, op.urgent ? 1 : 0, op.message.task_id);
        return;
      case 'inboxTake':
        if (Number(st.inboxTake!.run(op.messageId).changes) !== 1) throw new Conflict(`message ${op.messageId} is not in an inbox`);
        return;
      case 'inboxRemoveTask':
        st.inboxRemoveTask!.run(op.taskId);
        return;
      case 'putRound':
        st.putRound!.run(op.round.agent_id, op.round.n, JSON.stringify(op.round));
        return;
      case 'setMeta':
        st.setMeta!.run(op.key, op.value);
        return;
    }
  }

  async agent(id: string): Promise<Agent | undefined> {
    return this.#one<Agent>('agent', id);
  }
  async agentByName(name: string): Promise<Agent | undefined> {
    return this.#one<Agent>('agentByName', name);
  }
  async agents(): Promise<Agent[]> {
    return this.#all<Agent>('agents');
  }
  async task(id: string): Promise<Task | undefined> {
    return this.#one<Task>('task', id);
  }
  async taskPage(q: TaskPageQuery): Promise<TaskRow[]> {
    const where = ['rowid > ?'];
    const args: (string | number)[] = [q.after ?? 0];
    if (q.state !== undefined) {
      where.push(`state IN (${q.state.map(() => '?').join(', ')})`);
      args.push(...q.state);
    }
    if (q.assigned_to !== undefined) {
      where.push('assigned_to = ?');
      args.push(q.assigned_to);
    }
    // rowid is the order tasks were first stored (an update keeps it); the state and agent indexes
    // hold it too, so a filtered page seeks as well.
    const sql = `SELECT rowid AS ord, body FROM town_tasks WHERE ${where.join(' AND ')} ORDER BY rowid LIMIT ?`;
    let st = this.#pages.get(sql);
    if (!st) this.#pages.set(sql, st = this.#ctx.db.prepare(sql));
    const page = st;
    return reading(this.#path, () => page.all(...args, q.limit).map((r) => ({ ord: Number(r.ord), task: JSON.parse(String(r.body)) as Task })));
  }

  async taskCounts(): Promise<Partial<Record<TaskState, number>>> {
    return reading(this.#path, () => Object.fromEntries(this.#st.taskCounts!.all().map((r) => [String(r.state), Number(r.n)])));
  }

  async tasks(filter: { state?: readonly TaskState[] | undefined; assigned_to?: string | undefined } = {}): Promise<Task[]> {
    return this.#all<Task>('tasks').filter((t) => (filter.state === undefined || filter.state.includes(t.state)) && (filter.assigned_to === undefined || t.assigned_to === filter.assigned_to));
  }
  async backlog(): Promise<string[]> {
    return reading(this.#path, () => this.#st.backlog!.all().map((r) => String(r.task_id)));
  }
  async inBacklog(taskId: string): Promise<boolean> {
    return reading(this.#path, () => this.#st.backlogHas!.get(taskId) !== undefined);
  }
  async inbox(agentId: string, limit = 100): Promise<InboxRow[]> {
    return reading(this.#path, () => this.#st.inboxList!.all(agentId, limit).map(inboxRow));
  }
  async inboxNextWork(agentId: string): Promise<InboxRow | undefined> {
    const r = reading(this.#path, () => this.#st.inboxNextWork!.get(agentId));
    return r === undefined ? undefined : inboxRow(r);
  }
  async inboxNotes(agentId: string): Promise<InboxRow[]> {
    return reading(this.#path, () => this.#st.inboxNoWork!.all(agentId).map(inboxRow));
  }
  async inboxCounts(agentId: string): Promise<{ total: number; urgent: number; work: number }> {
    const r = reading(this.#path, () => this.#st.inboxCounts!.get(agentId)) ?? {};
    return { total: Number(r.total ?? 0), urgent: Number(r.urgent ?? 0), work: Number(r.work ?? 0) };
  }
  async inboxOfTask(taskId: string): Promise<InboxRow | undefined> {
    const r = reading(this.#path, () => this.#st.inboxOfTask!.get(taskId));
    return r === undefined ? undefined : inboxRow(r);
  }
  async agentsWithWork(): Promise<string[]> {
    return reading(this.#path, () => this.#st.inboxAgentsWithWork!.all().map((r) => String(r.agent_id)));
  }
  async lastRound(agentId: string): Promise<Round | undefined> {
    return this.#one<Round>('lastRound', agentId);
  }
  async meta(key: string): Promise<string | undefined> {
    const r = reading(this.#path, () => this.#st.getMeta!.get(key));
    return r === undefined ? undefined : String(r.value);
  }

  #one<T>(statement: string, arg: string): T | undefined {
    const row = reading(this.#path, () => this.#st[statement]!.get(arg));
    return row === undefined ? undefined : (JSON.parse(String(row.body)) as T);
  }
  #all<T>(statement: string): T[] {
    return reading(this.#path, () => this.#st[statement]!.all().map((r) => JSON.parse(String(r.body)) as T));
  }
}

function inboxRow(r: Row): InboxRow {
  return { agent_id: String(r.agent_id), urgent: Number(r.urgent) === 1, message: JSON.parse(String(r.body)) as Message };
}
