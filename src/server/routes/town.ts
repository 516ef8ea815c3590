import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../core/runtime.js';
import { clusterView } from '../../core/cluster/nodes.js';
import { TahoError } from '../../core/errors.js';
import type { Agent } from '../../core/town/model.js';
import type { Town } from '../../core/town/town.js';
import { prometheus } from '../../core/metrics.js';
import { scaling } from '../../core/town/scaling.js';
import { checkTaskId } from '../../core/town/refs.js';

const tags = ['town'];
const str = { type: 'string', minLength: 1, maxLength: 65536 } as const;
const name = { type: 'string', minLength: 1, maxLength: 256 } as const;

/** Tinytown's agent fields for /v1/agents: no counters (wire/tinytown.md §3). */
function brief(a: Agent): Record<string, unknown> {
  return {
    id: a.id, name: a.name, nickname: a.nickname, role_id: a.role_id, parent_agent_id: a.parent_agent_id,
    spawn_mode: a.spawn_mode, cli: a.cli, state: a.state, current_scope: null,
  };
}

function taskId(raw: string): string {
  checkTaskId(raw); // a UUID or its first characters; the town resolves short ids
  return raw;
}

/** Tinytown's townhall API (wire/tinytown.md) over the town core, plus taho's explain, tasks, logs and events. */
export function townRoutes(app: FastifyInstance, runtime: Runtime): void {
  const town = (): Town => runtime.town();
  const townName = runtime.config.town.name;

  app.get('/metrics', { schema: { tags, summary: 'Prometheus metrics (Tinytown names, plus taho_*)' } }, async (_req, reply) => {
    void reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return prometheus(runtime);
  });
  app.get('/api/scaling', { schema: { tags, summary: 'A scaling signal for autoscalers' } }, async () => ({
    town: townName, timestamp: new Date().toISOString(), ...(await scaling(town(), runtime.config.town.max_agents)),
  }));

  // Tinytown's redis_url is the (redacted) store address: a Redis URL, or the SQLite file.
  const location = runtime.stores().location;
  const storeUrl = /^rediss?:\/\//.test(location) ? location : `sqlite://${location}`;
  app.get('/v1/town', { schema: { tags, summary: 'The town' } }, async () => ({ name: townName, root: runtime.config.data_dir, redis_url: storeUrl }));
  app.get('/v1/status', { schema: { tags, summary: 'The town and every agent with its counters' } }, async () => {
    // Tinytown's AgentStatus fields, then taho's own (what a dashboard needs to say why).
    const agents = (await town().status()).map((a) => ({
      ...brief(a), rounds_completed: a.rounds_completed, tasks_completed: a.tasks_completed, inbox_len: a.inbox_len, urgent_len: a.urgent_len,
      current_task: a.current_task, last_heartbeat: a.last_heartbeat, last_active_at: a.last_active_at, created_at: a.created_at,
      max_rounds: a.max_rounds, pid: a.pid, last_exit_code: a.last_exit_code,
    }));
    // taho's addition in a cluster: every node, live or recently dead, and the shards it holds.
    const member = runtime.cluster();
    const nodes = member ? await clusterView(member) : undefined;
    return { name: townName, root: runtime.config.data_dir, redis_url: storeUrl, agent_count: agents.length, agents, ...(nodes ? { nodes } : {}) };
  });
  app.get('/v1/agents', { schema: { tags, summary: 'Town agents' } }, async () => {
    const agents = (await town().agents()).map(brief);
    return { agents, count: agents.length };
  });
  app.get('/v1/tasks/pending', { schema: { tags, summary: 'Tasks waiting in agents\' inboxes' } }, async () => {
    const tasks = await town().pendingTasks();
    return { tasks, count: tasks.length };
  });
  app.get<{ Querystring: { state?: string; agent?: string; after?: string; limit?: string } }>('/v1/tasks', {
    schema: {
      tags, summary: 'Tasks (taho): filter by state and agent, a page at a time in creation order (`next` is the following page\'s `after`)',
      querystring: {
        type: 'object',
        properties: {
          state: { type: 'string', enum: ['pending', 'assigned', 'running', 'completed', 'failed', 'cancelled'] }, agent: name,
          after: { type: 'string', pattern: '^[0-9]{1,15}$' }, limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$' },
        },
      },
    },
  }, async (req) => {
    const q = req.query;
    const page = await town().tasks({ state: q.state as never, agent: q.agent, after: q.after === undefined ? undefined : Number(q.after), limit: q.limit === undefined ? undefined : Number(q.limit) });
    return { tasks: page.tasks, count: page.tasks.length, ...(page.next === undefined ? {} : { next: page.next }) };
  });
  app.get<{ Params: { id: string } }>('/v1/tasks/:id', { schema: { tags, summary: 'A task (taho)' } }, async (req) => await town().task(req.params.id));
  app.post<{ Params: { id: string }; Body: { result?: string } | undefined }>('/v1/tasks/:id/complete', {
    schema: { tags, summary: 'Mark a task completed by hand (taho)', body: { type: 'object', properties: { result: { type: 'string', maxLength: 65536 } } } },
  }, async (req) => await town().completeTask(req.params.id, req.body?.result ?? ''));
  app.get('/v1/backlog', { schema: { tags, summary: 'Unassigned tasks' } }, async () => {
    const backlog = await town().backlog();
    return { backlog, count: backlog.length };
  });
  for (const method of ['GET', 'POST'] as const) {
    app.route<{ Params: { agent: string } }>({
      method, url: '/v1/agents/:agent/inbox', schema: { tags, summary: 'An agent\'s inbox (peeked, first 100)' },
      handler: async (req) => ({ ...(await town().inbox(req.params.agent)), agent: req.params.agent }),
    });
  }
  app.get<{ Params: { id: string } }>('/v1/explain/:id', { schema: { tags, summary: 'Why nothing happens: a task\'s place and what it waits for, or an agent\'s state' } }, async (req) => await town().explain(req.params.id));
  app.get<{ Params: { agent: string }; Querystring: { round?: string } }>('/v1/agents/:agent/logs', {
    schema: { tags, summary: 'An agent\'s round log (taho; default: the last round)', querystring: { type: 'object', properties: { round: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } } } },
  }, async (req, reply) => {
    const path = await town().roundLog(req.params.agent, req.query.round === undefined ? undefined : Number(req.query.round));
    if (!path) throw new TahoError('TAHO_BAD_REQUEST', `agent ${req.params.agent} has run no round${req.query.round ? ` ${req.query.round}` : ''} yet`, { hint: 'Assign it a task; each task is one round.' });
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(path, 'utf8').catch(() => '');
    void reply.header('content-type', 'text/plain; charset=utf-8');
    return text;
  });

  app.post<{ Body: { agent: string; task: string; urgent?: boolean } }>('/v1/tasks/assign', {
    schema: { tags, summary: 'Give an agent a task', body: { type: 'object', required: ['agent', 'task'], properties: { agent: name, task: str, urgent: { type: 'boolean' } } } },
  }, async (req, reply) => {
    const r = await town().assign(req.body.agent, req.body.task, { urgent: req.body.urgent });
    return reply.status(201).send({ task_id: r.task_id, agent_id: r.agent_id, agent_name: r.agent_name });
  });
  app.post<{ Body: { description: string; tags?: string[] } }>('/v1/backlog', {
    schema: { tags, summary: 'Add a task to the backlog', body: { type: 'object', required: ['description'], properties: { description: str, tags: { type: 'array', maxItems: 32, items: name } } } },
  }, async (req, reply) => reply.status(201).send(await town().backlogAdd(req.body.description, req.body.tags ?? [])));
  app.post<{ Body: { agent: string } }>('/v1/backlog/assign-all', {
    schema: { tags, summary: 'Give an agent every backlog task', body: { type: 'object', required: ['agent'], properties: { agent: name } } },
  }, async (req) => await town().assignAll(req.body.agent));
  app.post<{ Params: { task_id: string }; Body: { agent: string } }>('/v1/backlog/:task_id/claim', {
    schema: { tags, summary: 'Give an agent one backlog task', body: { type: 'object', required: ['agent'], properties: { agent: name } } },
  }, async (req) => await town().claim(taskId(req.params.task_id), req.body.agent));
  app.delete<{ Params: { task_id: string } }>('/v1/backlog/:task_id', { schema: { tags, summary: 'Remove a backlog task (it is cancelled)' } }, async (req) =>
    await town().backlogRemove(taskId(req.params.task_id)));
  app.post<{ Body: { to: string; message: string; kind?: string; from?: string; urgent?: boolean } }>('/v1/messages/send', {
    schema: { tags, summary: 'Send a message to an agent', body: { type: 'object', required: ['to', 'message'], properties: { to: name, message: str, kind: { type: 'string', maxLength: 64 }, from: name, urgent: { type: 'boolean' } } } },
  }, async (req, reply) => {
    const r = await town().send({ to: req.body.to, message: req.body.message, kind: req.body.kind as never, from: req.body.from, urgent: req.body.urgent });
    return reply.status(201).send({ message_id: r.message_id, to_agent: r.to_agent, urgent: r.urgent });
  });

  app.post<{ Body: { name: string; cli?: string; role_id?: string; nickname?: string; parent_agent_id?: string; max_rounds?: number } }>('/v1/agents', {
    schema: {
      tags, summary: 'Spawn an agent',
      body: { type: 'object', required: ['name'], properties: { name, cli: name, role_id: name, nickname: name, parent_agent_id: name, max_rounds: { type: 'integer', minimum: 1 } } },
    },
  }, async (req, reply) => {
    const a = await town().spawn(req.body);
    return reply.status(201).send({ agent_id: a.id, name: a.name, cli: a.cli, role_id: a.role_id, nickname: a.nickname, parent_agent_id: a.parent_agent_id });
  });
  app.post<{ Params: { agent: string } }>('/v1/agents/:agent/kill', { schema: { tags, summary: 'Stop an agent (its running round is killed)' } }, async (req) => {
    await town().kill(req.params.agent);
    return { status: 'stopped', agent: req.params.agent };
  });
  app.post<{ Params: { agent: string } }>('/v1/agents/:agent/restart', { schema: { tags, summary: 'Restart an agent' } }, async (req) => {
    await town().restart(req.params.agent);
    return { status: 'restarted', agent: req.params.agent };
  });
  app.post<{ Body: { all?: boolean } }>('/v1/agents/prune', {
    schema: { tags, summary: 'Remove stopped agents', body: { type: 'object', properties: { all: { type: 'boolean' } } } },
  }, async (req) => await town().prune({ all: req.body?.all }));
  app.post('/v1/recover', { schema: { tags, summary: 'Mark agents whose process is gone or whose heartbeat is stale' } }, async () => {
    const r = await town().recover();
    return { checked: r.checked, recovered: r.recovered, agents: r.agents.map((a) => a.name), details: r.agents };
  });
  app.post<{ Body: { to_backlog?: boolean; to?: string; from?: string } }>('/v1/reclaim', {
    schema: { tags, summary: 'Tasks of dead agents: listed, or moved (to an agent or the backlog) exactly once', body: { type: 'object', properties: { to_backlog: { type: 'boolean' }, to: name, from: name } } },
  }, async (req) => {
    const r = await town().reclaim({ to: req.body?.to, toBacklog: req.body?.to_backlog, from: req.body?.from });
    return { reclaimed: r.reclaimed, destination: r.destination, tasks: r.tasks };
  });
  // The body is optional here (Tinytown's Option<Json>): no schema, so a bodiless POST lists.
  app.post<{ Body: unknown }>('/v1/reclaim/orphan-tasks', {
    schema: { tags, summary: 'Unfinished tasks whose agent is gone: list, to_backlog, cancel, delete (body optional: {action})' },
  }, async (req) => {
    const body = req.body;
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw new TahoError('TAHO_BAD_REQUEST', 'the body must be an object {"action": …} or absent', { hint: 'Send {"action":"list"|"to_backlog"|"cancel"|"delete"}, or nothing to list.' });
    }
    const action = (body as { action?: unknown } | null | undefined)?.action;
    if (action !== undefined && typeof action !== 'string') throw new TahoError('TAHO_BAD_REQUEST', 'action must be a string', { hint: 'Use list, to_backlog, cancel or delete.' });
    return await town().orphans(action);
  });
}
