import type { Agent, Message, Round, Task, TaskState } from '../../town/model.js';
import type { InboxRow, TaskPageQuery, TaskRow, TownApplied, TownGuard, TownOp, TownStore, TownWrite } from '../ports/town.js';
import { eventBody, storedEvents } from './codec.js';
import type { RedisConn } from './connection.js';
import { EVENT_COUNTER, EVENT_STREAM, TOWN, leaseKeys } from './keys.js';
import { leaseLost } from './leases.js';

/** A town write as the script reads it: bodies already JSON, so Lua never re-encodes one. */
function encodeGuard(g: TownGuard): Record<string, string> {
  if ('agentName' in g) return { n: g.agentName };
  if ('agent' in g && g.loose === true && g.is !== null) return { a: g.agent, is: JSON.stringify(g.is), loose: '1' };
  const [field, id] = 'agent' in g ? ['a', g.agent] : ['t', g.task];
  return g.is === null ? { [field]: id } : { [field]: id, is: JSON.stringify(g.is) };
}

function encodeOp(op: TownOp): Record<string, unknown> {
  switch (op.op) {
    case 'putAgent':
      return { o: op.op, id: op.agent.id, name: op.agent.name, body: JSON.stringify(op.agent) };
    case 'putTask':
      return { o: op.op, id: op.task.id, st: op.task.state, body: JSON.stringify(op.task) };
    case 'deleteAgent':
    case 'deleteTask':
      return { o: op.op, id: op.id };
    case 'backlogPush':
    case 'backlogTake':
    case 'backlogRemove':
    case 'inboxRemoveTask':
      return { o: op.op, t: op.taskId };
    case 'inboxPush':
      return { o: op.op, agent: op.agentId, mid: op.message.id, body: JSON.stringify(op.message), urgent: op.urgent, front: op.front === true, task: op.message.task_id ?? undefined };
    case 'inboxTake':
      return { o: op.op, mid: op.messageId };
    case 'putRound':
      return { o: op.op, agent: op.round.agent_id, n: op.round.n, body: JSON.stringify(op.round) };
    case 'setMeta':
      return { o: op.op, k: op.key, v: op.value };
  }
}

/** The town in Redis (keys: town-lua.ts); every write is one script, guards and takes first. */
export class RedisTownStore implements TownStore {
  readonly looseGuards = true;
  readonly #conn: RedisConn;

  constructor(conn: RedisConn) {
    this.#conn = conn;
  }

  async apply(w: TownWrite): Promise<TownApplied> {
    const bodies = (w.events ?? []).map((e) => eventBody(e, new Date().toISOString()));
    const write = { g: (w.guards ?? []).map(encodeGuard), ops: w.ops.map(encodeOp), ev: bodies };
    const holder = leaseKeys(w.fence?.lease ?? 'town').holder;
    const r = (await this.#conn.acknowledged('tahoTown', [EVENT_COUNTER, EVENT_STREAM, holder], [TOWN, JSON.stringify(write), w.fence?.token ?? ''])) as [string, unknown];
    if (r[0] === 'lease' && w.fence) throw leaseLost(w.fence, Number(r[1]));
    if (r[0] === 'conflict') return { ok: false, conflict: String(r[1]) };
    return { ok: true, events: storedEvents(bodies, r[1] as number[]) };
  }

  async agent(id: string): Promise<Agent | undefined> {
    return parse<Agent>(await this.#conn.do((r) => r.hget(`${TOWN}agent`, id)));
  }

  async agentByName(name: string): Promise<Agent | undefined> {
    return parse<Agent>((await this.#conn.script('tahoTownAgentByName', [`${TOWN}names`], [TOWN, name])) as string | null);
  }

  async agents(): Promise<Agent[]> {
    return this.#ordered<Agent>('agents', 'agent');
  }

  async task(id: string): Promise<Task | undefined> {
    return parse<Task>(await this.#conn.do((r) => r.hget(`${TOWN}task`, id)));
  }

  async taskPage(q: TaskPageQuery): Promise<TaskRow[]> {
    const rows: TaskRow[] = [];
    let after = q.after ?? 0;
    // The order index holds no state or agent: a filter reads on, a batch at a time, until full.
    const batch = q.state === undefined && q.assigned_to === undefined ? q.limit : Math.max(q.limit, 200);
    for (;;) {
      const scored = await this.#conn.do((r) => r.zrangebyscore(`${TOWN}tasks`, `(${after}`, '+inf', 'WITHSCORES', 'LIMIT', 0, batch));
      if (scored.length === 0) return rows;
      const ids = scored.filter((_, i) => i % 2 === 0);
      const bodies = await this.#conn.do((r) => r.hmget(`${TOWN}task`, ...ids));
      for (const [i, body] of bodies.entries()) {
        after = Number(scored[i * 2 + 1]);
        const task = body === null ? undefined : (JSON.parse(body) as Task);
        if (task === undefined || (q.state !== undefined && !q.state.includes(task.state)) || (q.assigned_to !== undefined && task.assigned_to !== q.assigned_to)) continue;
        rows.push({ ord: after, task });
        if (rows.length === q.limit) return rows;
      }
      if (ids.length < batch) return rows;
    }
  }

  async taskCounts(): Promise<Partial<Record<TaskState, number>>> {
    const counts = await this.#conn.do((r) => r.hgetall(`${TOWN}tcount`));
    return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]).filter(([, n]) => n !== 0));
  }

  async tasks(filter: { readonly state?: readonly TaskState[] | undefined; readonly assigned_to?: string | undefined } = {}): Promise<Task[]> {
    const all = await this.#ordered<Task>('tasks', 'task');
    // Creation order as SQLite gives it: by created_at, then insertion (a stable sort keeps that).
    return all
      .filter((t) => (filter.state === undefined || filter.state.includes(t.state)) && (filter.assigned_to === undefined || t.assigned_to === filter.assigned_to))
      .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  }

  async backlog(): Promise<string[]> {
    return this.#conn.do((r) => r.zrange(`${TOWN}backlog`, 0, -1));
  }

  async inBacklog(taskId: string): Promise<boolean> {
    return (await this.#conn.do((r) => r.zscore(`${TOWN}backlog`, taskId))) !== null;
  }

  async inbox(agentId: string, limit = 100): Promise<InboxRow[]> {
    return this.#inbox(agentId, 'all', limit);
  }

  async inboxNextWork(agentId: string): Promise<InboxRow | undefined> {
    return (await this.#inbox(agentId, 'work', 1))[0];
  }

  async inboxNotes(agentId: string): Promise<InboxRow[]> {
    return this.#inbox(agentId, 'notes', Number.MAX_SAFE_INTEGER);
  }

  async inboxCounts(agentId: string): Promise<{ total: number; urgent: number; work: number }> {
    const [urgent, normal, work] = await this.#conn.do((r) => Promise.all([
      r.zcard(`${TOWN}in:${agentId}:u`),
      r.zcard(`${TOWN}in:${agentId}:n`),
      r.hget(`${TOWN}work`, agentId),
    ]));
    return { total: urgent + normal, urgent, work: Number(work ?? 0) };
  }

  async inboxOfTask(taskId: string): Promise<InboxRow | undefined> {
    return this.#conn.do(async (r) => {
      const [mid] = await r.smembers(`${TOWN}tm:${taskId}`);
      if (mid === undefined) return undefined;
      const [at, body] = await Promise.all([r.hget(`${TOWN}at`, mid), r.hget(`${TOWN}msg`, mid)]);
      if (at === null || body === null) return undefined;
      const [agent = '', lane] = at.split('\n');
      return { agent_id: agent, urgent: lane === 'u', message: JSON.parse(body) as Message };
    });
  }

  async agentsWithWork(): Promise<string[]> {
    const counts = await this.#conn.do((r) => r.hgetall(`${TOWN}work`));
    return Object.entries(counts).filter(([, n]) => Number(n) > 0).map(([agent]) => agent);
  }

  async lastRound(agentId: string): Promise<Round | undefined> {
    const [body] = await this.#conn.do((r) => r.zrange(`${TOWN}rounds:${agentId}`, -1, -1));
    return parse<Round>(body ?? null);
  }

  async meta(key: string): Promise<string | undefined> {
    return (await this.#conn.do((r) => r.hget(`${TOWN}meta`, key))) ?? undefined;
  }

  async #inbox(agentId: string, mode: 'all' | 'work' | 'notes', limit: number): Promise<InboxRow[]> {
    const flat = (await this.#conn.script('tahoTownInbox', [`${TOWN}in:${agentId}:u`], [TOWN, agentId, mode, Math.min(limit, 1e9)])) as string[];
    const rows: InboxRow[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) rows.push({ agent_id: agentId, urgent: flat[i] === 'u', message: JSON.parse(flat[i + 1] as string) as Message });
    return rows;
  }

  async #ordered<T>(order: string, hash: string): Promise<T[]> {
    return this.#conn.do(async (r) => {
      const ids = await r.zrange(`${TOWN}${order}`, 0, -1);
      if (ids.length === 0) return [];
      const bodies = await r.hmget(`${TOWN}${hash}`, ...ids);
      return bodies.filter((b): b is string => b !== null).map((b) => JSON.parse(b) as T);
    });
  }
}

function parse<T>(body: string | null): T | undefined {
  return body === null ? undefined : (JSON.parse(body) as T);
}
