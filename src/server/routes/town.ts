import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../core/runtime.js';
import { prometheus } from '../../core/metrics.js';
import { scaling } from '../../core/town/scaling.js';
import * as town from '../../core/usecases/town.js';

const tags = ['town'];
const str = { type: 'string', minLength: 1, maxLength: 65536 } as const;
const name = { type: 'string', minLength: 1, maxLength: 256 } as const;

/** Tinytown's townhall API (wire/tinytown.md) over the town core, plus taho's explain, tasks, logs and events. */
export function townRoutes(app: FastifyInstance, runtime: Runtime): void {
  const townName = runtime.config.town.name;

  app.get('/metrics', { schema: { tags, summary: 'Prometheus metrics (Tinytown names, plus taho_*)' } }, async (_req, reply) => {
    void reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return prometheus(runtime);
  });
  app.get('/api/scaling', { schema: { tags, summary: 'A scaling signal for autoscalers' } }, async () => ({
    town: townName, timestamp: new Date().toISOString(), ...(await scaling(runtime.town(), runtime.config.town.max_agents)),
  }));

  app.get('/v1/town', { schema: { tags, summary: 'The town' } }, async () => town.townInfo(runtime));
  app.get('/v1/status', { schema: { tags, summary: 'The town and every agent with its counters' } }, async () => town.townStatus(runtime));
  app.get('/v1/agents', { schema: { tags, summary: 'Town agents' } }, async () => {
    const agents = await town.listAgents(runtime);
    return { agents, count: agents.length };
  });
  app.get('/v1/tasks/pending', { schema: { tags, summary: 'Tasks waiting in agents\' inboxes' } }, async () => {
    const tasks = await town.pendingTasks(runtime);
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
    const page = await town.tasks(runtime, { state: q.state, agent: q.agent, after: q.after === undefined ? undefined : Number(q.after), limit: q.limit === undefined ? undefined : Number(q.limit) });
    return { tasks: page.tasks, count: page.tasks.length, ...(page.next === undefined ? {} : { next: page.next }) };
  });
  app.get<{ Params: { id: string } }>('/v1/tasks/:id', { schema: { tags, summary: 'A task (taho)' } }, async (req) => town.task(runtime, req.params.id));
  app.post<{ Params: { id: string }; Body: { result?: string } | undefined }>('/v1/tasks/:id/complete', {
    schema: { tags, summary: 'Mark a task completed by hand (taho)', body: { type: 'object', properties: { result: { type: 'string', maxLength: 65536 } } } },
  }, async (req) => town.completeTask(runtime, req.params.id, req.body?.result));
  app.get('/v1/backlog', { schema: { tags, summary: 'Unassigned tasks' } }, async () => {
    const backlog = await town.backlog(runtime);
    return { backlog, count: backlog.length };
  });
  for (const method of ['GET', 'POST'] as const) {
    app.route<{ Params: { agent: string } }>({
      method, url: '/v1/agents/:agent/inbox', schema: { tags, summary: 'An agent\'s inbox (peeked, first 100)' },
      handler: async (req) => town.inbox(runtime, req.params.agent),
    });
  }
  app.get<{ Params: { id: string } }>('/v1/explain/:id', { schema: { tags, summary: 'Why nothing happens: a task\'s place and what it waits for, or an agent\'s state' } }, async (req) => town.explain(runtime, req.params.id));
  app.get<{ Params: { agent: string }; Querystring: { round?: string } }>('/v1/agents/:agent/logs', {
    schema: { tags, summary: 'An agent\'s round log (taho; default: the last round)', querystring: { type: 'object', properties: { round: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } } } },
  }, async (req, reply) => {
    const text = await town.roundLog(runtime, req.params.agent, req.query.round === undefined ? undefined : Number(req.query.round));
    void reply.header('content-type', 'text/plain; charset=utf-8');
    return text;
  });

  app.post<{ Body: { agent: string; task: string; urgent?: boolean } }>('/v1/tasks/assign', {
    schema: { tags, summary: 'Give an agent a task', body: { type: 'object', required: ['agent', 'task'], properties: { agent: name, task: str, urgent: { type: 'boolean' } } } },
  }, async (req, reply) => {
    return reply.status(201).send(await town.assignTask(runtime, req.body.agent, req.body.task, req.body.urgent));
  });
  app.post<{ Body: { description: string; tags?: string[] } }>('/v1/backlog', {
    schema: { tags, summary: 'Add a task to the backlog', body: { type: 'object', required: ['description'], properties: { description: str, tags: { type: 'array', maxItems: 32, items: name } } } },
  }, async (req, reply) => reply.status(201).send(await town.backlogAdd(runtime, req.body.description, req.body.tags)));
  app.post<{ Body: { agent: string } }>('/v1/backlog/assign-all', {
    schema: { tags, summary: 'Give an agent every backlog task', body: { type: 'object', required: ['agent'], properties: { agent: name } } },
  }, async (req) => town.backlogAssignAll(runtime, req.body.agent));
  app.post<{ Params: { task_id: string }; Body: { agent: string } }>('/v1/backlog/:task_id/claim', {
    schema: { tags, summary: 'Give an agent one backlog task', body: { type: 'object', required: ['agent'], properties: { agent: name } } },
  }, async (req) => town.backlogClaim(runtime, req.params.task_id, req.body.agent));
  app.delete<{ Params: { task_id: string } }>('/v1/backlog/:task_id', { schema: { tags, summary: 'Remove a backlog task (it is cancelled)' } }, async (req) =>
    town.backlogRemove(runtime, req.params.task_id));
  app.post<{ Body: { to: string; message: string; kind?: string; from?: string; urgent?: boolean } }>('/v1/messages/send', {
    schema: { tags, summary: 'Send a message to an agent', body: { type: 'object', required: ['to', 'message'], properties: { to: name, message: str, kind: { type: 'string', maxLength: 64 }, from: name, urgent: { type: 'boolean' } } } },
  }, async (req, reply) => {
    return reply.status(201).send(await town.sendMessage(runtime, req.body));
  });

  app.post<{ Body: { name: string; cli?: string; role_id?: string; nickname?: string; parent_agent_id?: string; max_rounds?: number } }>('/v1/agents', {
    schema: {
      tags, summary: 'Spawn an agent',
      body: { type: 'object', required: ['name'], properties: { name, cli: name, role_id: name, nickname: name, parent_agent_id: name, max_rounds: { type: 'integer', minimum: 1 } } },
    },
  }, async (req, reply) => {
    return reply.status(201).send(await town.spawnAgent(runtime, req.body));
  });
  app.post<{ Params: { agent: string } }>('/v1/agents/:agent/kill', { schema: { tags, summary: 'Stop an agent (its running round is killed)' } }, async (req) => town.killAgent(runtime, req.params.agent));
  app.post<{ Params: { agent: string } }>('/v1/agents/:agent/restart', { schema: { tags, summary: 'Restart an agent' } }, async (req) => town.restartAgent(runtime, req.params.agent));
  app.post<{ Body: { all?: boolean } }>('/v1/agents/prune', {
    schema: { tags, summary: 'Remove stopped agents', body: { type: 'object', properties: { all: { type: 'boolean' } } } },
  }, async (req) => town.pruneAgents(runtime, req.body?.all));
  app.post<{ Querystring: { dry_run?: string } }>('/v1/recover', {
    schema: {
      tags, summary: 'Mark agents whose process is gone, whose heartbeat is stale or (a cluster) whose node died; ?dry_run=true (taho) only says which',
      querystring: { type: 'object', properties: { dry_run: { type: 'string', enum: ['true', 'false'] } } },
    },
  }, async (req) => town.recover(runtime, { dryRun: req.query.dry_run === 'true' }));
  app.post<{ Body: { to_backlog?: boolean; to?: string; from?: string } }>('/v1/reclaim', {
    schema: { tags, summary: 'Tasks of dead agents: listed, or moved (to an agent or the backlog) exactly once', body: { type: 'object', properties: { to_backlog: { type: 'boolean' }, to: name, from: name } } },
  }, async (req) => town.reclaim(runtime, { to: req.body?.to, toBacklog: req.body?.to_backlog, from: req.body?.from }));
  // The body is optional here (Tinytown's Option<Json>): no schema, so a bodiless POST lists.
  app.post<{ Body: unknown }>('/v1/reclaim/orphan-tasks', {
    schema: { tags, summary: 'Unfinished tasks whose agent is gone: list, to_backlog, cancel, delete (body optional: {action})' },
  }, async (req) => town.orphans(runtime, req.body));
}
