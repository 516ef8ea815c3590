// Tinytown's townhall API (../shared/wire/tinytown.md) over real HTTP against the real `taho serve`,
// with real agent processes (examples/town/script-agent.mjs). taho deviates from Tinytown in one
// deliberate way: a client's mistake (unknown agent, bad id, bad JSON, schema failure) is a 4xx
// ProblemDetails with extra `code` and `hint` members, never Tinytown's 500 or axum's text/plain.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../src/shared/process.js';
import { generateKey } from '../src/core/auth/api-keys.js';
import { ROOT, tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';
import { until } from './until.js';

const SUPERVISOR = '00000000-0000-0000-0000-000000000001';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AGENT_STATES = ['Cold', 'Starting', 'Idle', 'Working', 'Paused', 'Draining', 'Stopped', 'Error'];
const BRIEF_FIELDS = ['id', 'name', 'nickname', 'role_id', 'parent_agent_id', 'spawn_mode', 'cli', 'state', 'current_scope'];
const STATUS_FIELDS = [...BRIEF_FIELDS, 'rounds_completed', 'tasks_completed', 'inbox_len', 'urgent_len'];
const SCRIPT = `${process.execPath} ${join(ROOT, 'examples/town/script-agent.mjs')}`;

/** A directory with a config.toml that makes `script` a preset, and fast heartbeats. */
function townDir(extra = ''): string {
  const dir = tempDir('taho-town-api-');
  writeFileSync(join(dir, 'config.toml'), [
    '[town]', 'heartbeat_ms = 200', 'stale_after_ms = 2000', '',
    '[town.presets.script]', `command = ${JSON.stringify(SCRIPT)}`, '', extra,
  ].join('\n'));
  return dir;
}

async function serve(extraToml = '', env: Record<string, string> = {}): Promise<Server> {
  const dir = townDir(extraToml);
  return startServer({ dataDir: join(dir, 'data'), cwd: dir, env });
}

interface Res {
  status: number;
  type: string | null;
  body: any;
  text: string;
}

function client(base: () => string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> => {
    const raw = typeof body === 'string';
    const r = await fetch(`${base()}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
    });
    const text = await r.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: r.status, type: r.headers.get('content-type'), body: parsed, text };
  };
}

const sortedKeys = (o: object): string[] => Object.keys(o).sort();

/** Tinytown's ProblemDetails plus taho's `code` and `hint`. */
function problem(status: number, title: string, detail: string | RegExp | unknown, code?: string) {
  return {
    type: `https://tinytown.dev/errors/${status}`, title, status,
    detail: typeof detail === 'string' ? detail : detail instanceof RegExp ? expect.stringMatching(detail) : detail,
    code: code ?? expect.stringMatching(/^TAHO_/),
    hint: expect.any(String),
  };
}


/** script-agent.mjs processes that are children of `parent` (the server), by pid. */
function scriptChildren(parent: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return out.split('\n').flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    return m && Number(m[2]) === parent && m[3]?.includes('script-agent.mjs') ? [Number(m[1])] : [];
  });
}

let server: Server;
const api = client(() => server.url);
const serverPid = (s: Server): number => (s.process as unknown as { pid: number }).pid;

beforeAll(async () => {
  server = await serve();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function spawn(name: string, extra: Record<string, unknown> = {}, call = api): Promise<string> {
  const r = await call('POST', '/v1/agents', { name, cli: 'script', ...extra });
  expect(r.status, r.text).toBe(201);
  return r.body.agent_id as string;
}

async function agentStatus(name: string, call = api): Promise<Record<string, unknown>> {
  const r = await call('GET', '/v1/status');
  return (r.body.agents as { name: string }[]).find((a) => a.name === name) as Record<string, unknown>;
}

async function taskDone(id: string, call = api): Promise<Record<string, unknown>> {
  return until(`task ${id} to finish`, async () => {
    const r = await call('GET', `/v1/tasks/${id}`);
    return ['completed', 'failed', 'cancelled'].includes(r.body?.state) ? (r.body as Record<string, unknown>) : undefined;
  });
}

async function roundPid(agent: string, call = api): Promise<number> {
  return until(`${agent}'s round to have a pid`, async () => {
    const a = await agentStatus(agent, call);
    if (a?.state !== 'Working') return undefined;
    const e = await call('GET', `/v1/explain/${agent}`);
    return (e.body?.process?.pid as number | undefined) ?? undefined;
  });
}

describe('public routes', () => {
  it('/health and /healthz: {status:"ok", uptime_secs}', async () => {
    for (const path of ['/health', '/healthz']) {
      const r = await api('GET', path);
      expect(r.status).toBe(200);
      expect(r.type).toMatch(/^application\/json/);
      expect(r.body).toEqual({ status: 'ok', uptime_secs: expect.any(Number) });
      expect(Number.isInteger(r.body.uptime_secs) && r.body.uptime_secs >= 0).toBe(true);
    }
  });

  it('/ready and /readyz: {status:"ready", dispatcher, town}', async () => {
    for (const path of ['/ready', '/readyz']) {
      const r = await api('GET', path);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'ready', town: 'taho', redis_latency_ms: expect.any(Number), store: 'sqlite', store_latency_ms: expect.any(Number), auth: 'none' });
      expect(['idle', 'running', 'stalled']).toContain(r.body.dispatcher);
    }
  });

  it('/metrics: the exact content type and Tinytown\'s metric lines, in order', async () => {
    await spawn('m1');
    await spawn('m2');
    const r = await fetch(`${server.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = (await r.text()).split('\n');
    const samples = lines.filter((l) => l !== '' && !l.startsWith('#'));
    const expected = [
      'tinytown_up 1',
      'tinytown_ready 1',
      ...AGENT_STATES.map((s) => `tinytown_agents_total{state="${s.toLowerCase()}"} ${s === 'Idle' ? 2 : 0}`),
      'tinytown_tasks_pending 0',
      'tinytown_tasks_completed_total 0',
      'tinytown_missions_active 0',
      expect.stringMatching(/^tinytown_redis_latency_seconds \d+\.\d{6}$/),
      'tinytown_backlog_tasks 0',
      'tinytown_tasks_assigned_pending 0',
      'tinytown_urgent_messages 0',
    ];
    expect(samples.slice(0, expected.length)).toEqual(expected);
    // Disk use: the store's file and the job outputs, in bytes.
    expect(samples).toContainEqual(expect.stringMatching(/^taho_store_bytes\{kind="sqlite"\} [1-9]\d*$/));
    expect(samples).toContainEqual(expect.stringMatching(/^taho_job_outputs_bytes \d+$/));
    // Each metric has its own HELP and TYPE lines, just before its first sample.
    const names = [...new Set(samples.slice(0, expected.length).map((s) => s.split(/[{ ]/)[0] as string))];
    for (const name of names) {
      const first = lines.findIndex((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      expect(lines[first - 2]).toMatch(new RegExp(`^# HELP ${name} `));
      expect(lines[first - 1]).toMatch(new RegExp(`^# TYPE ${name} (gauge|counter)$`));
    }
  });

  it('/api/scaling: Tinytown\'s fields, max_agents 10, desired = min(pending + in flight, max)', async () => {
    const r = await api('GET', '/api/scaling');
    expect(r.status).toBe(200);
    expect(sortedKeys(r.body)).toEqual(['active_agents', 'cold_agents', 'desired_agents', 'in_flight_tasks', 'max_agents', 'pending_tasks', 'queue_depth', 'scaling_recommendation', 'timestamp', 'town']);
    expect(r.body).toMatchObject({ town: 'taho', max_agents: 10, pending_tasks: 0, in_flight_tasks: 0, desired_agents: 0, active_agents: 2, cold_agents: 0 });
    expect(new Date(r.body.timestamp).toISOString()).toBe(r.body.timestamp);
    expect(['scale_up', 'steady', 'scale_down', 'scale_to_zero']).toContain(r.body.scaling_recommendation);

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api('POST', '/v1/backlog', { description: `scaling ${i}` })).body.task_id);
    const three = (await api('GET', '/api/scaling')).body;
    expect(three.desired_agents).toBe(Math.min(three.pending_tasks + three.in_flight_tasks, 10));
    expect(three.desired_agents).toBe(3);
    for (let i = 3; i < 14; i++) ids.push((await api('POST', '/v1/backlog', { description: `scaling ${i}` })).body.task_id);
    const many = (await api('GET', '/api/scaling')).body;
    expect(many).toMatchObject({ pending_tasks: 14, desired_agents: 10, max_agents: 10, scaling_recommendation: 'scale_up' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('\ntinytown_backlog_tasks 14\n');
    for (const id of ids) expect((await api('DELETE', `/v1/backlog/${id}`)).status).toBe(200);
    expect((await api('GET', '/v1/backlog')).body).toEqual({ backlog: [], count: 0 });
  });
});

describe('read routes', () => {
  it('/v1/town: {name, root, redis_url}', async () => {
    const r = await api('GET', '/v1/town');
    expect(r.status).toBe(200);
    expect(sortedKeys(r.body)).toEqual(['name', 'redis_url', 'root']);
    expect(r.body.name).toBe('taho');
    expect(typeof r.body.root).toBe('string');
  });

  it('/v1/status: every AgentStatus field, counters included; /v1/agents: the brief without counters', async () => {
    const parent = await spawn('reader-parent');
    await spawn('reader', { role_id: 'tester', nickname: 'Rita', parent_agent_id: parent });
    const s = await api('GET', '/v1/status');
    expect(s.status).toBe(200);
    expect(sortedKeys(s.body)).toEqual(['agent_count', 'agents', 'name', 'redis_url', 'root']);
    expect(s.body.agent_count).toBe(s.body.agents.length);
    // Tinytown's fields exactly, then taho's additions (for dashboards and explain), nothing else.
    const EXTRAS = ['current_task', 'last_heartbeat', 'last_active_at', 'created_at', 'max_rounds', 'pid', 'last_exit_code'];
    for (const a of s.body.agents) expect(sortedKeys(a)).toEqual([...STATUS_FIELDS, ...EXTRAS].sort());
    const reader = s.body.agents.find((a: { name: string }) => a.name === 'reader');
    expect(reader).toEqual({
      id: expect.stringMatching(UUID), name: 'reader', nickname: 'Rita', role_id: 'tester', parent_agent_id: parent,
      spawn_mode: 'fresh', cli: 'script', state: 'Idle', current_scope: null,
      rounds_completed: 0, tasks_completed: 0, inbox_len: 0, urgent_len: 0,
      current_task: null, last_heartbeat: expect.any(String), last_active_at: expect.any(String), created_at: expect.any(String),
      max_rounds: null, pid: null, last_exit_code: null,
    });

    const l = await api('GET', '/v1/agents');
    expect(l.status).toBe(200);
    expect(sortedKeys(l.body)).toEqual(['agents', 'count']);
    expect(l.body.count).toBe(l.body.agents.length);
    for (const a of l.body.agents) expect(sortedKeys(a)).toEqual([...BRIEF_FIELDS].sort());
    expect(l.body.agents.find((a: { name: string }) => a.name === 'reader')).toEqual({
      id: reader.id, name: 'reader', nickname: 'Rita', role_id: 'tester', parent_agent_id: parent,
      spawn_mode: 'fresh', cli: 'script', state: 'Idle', current_scope: null,
    });
    expect((await api('GET', '/v1/status?deep=true')).status).toBe(200);
  });

  it('/v1/tasks/pending, inbox (GET and POST, by name or id) and /v1/backlog', async () => {
    const id = await spawn('busy');
    // A first task keeps the agent Working, so the second waits in its inbox.
    const first = await api('POST', '/v1/tasks/assign', { agent: 'busy', task: 'sleep 1500' });
    await until('busy to work', async () => (await agentStatus('busy'))?.state === 'Working');
    const second = await api('POST', '/v1/tasks/assign', { agent: 'busy', task: 'the second task' });
    expect(second.status).toBe(201);

    const p = await api('GET', '/v1/tasks/pending');
    expect(p.status).toBe(200);
    expect(sortedKeys(p.body)).toEqual(['count', 'tasks']);
    expect(p.body.count).toBe(p.body.tasks.length);
    expect(p.body.tasks).toContainEqual({ task_id: second.body.task_id, description: 'the second task', agent_id: id, agent_name: 'busy' });
    expect(p.body.tasks.map((t: { task_id: string }) => t.task_id)).not.toContain(first.body.task_id);
    for (const t of p.body.tasks) expect(sortedKeys(t)).toEqual(['agent_id', 'agent_name', 'description', 'task_id']);

    for (const [method, ref] of [['GET', 'busy'], ['POST', 'busy'], ['GET', id], ['POST', id]] as const) {
      const r = await api(method, `/v1/agents/${ref}/inbox`);
      expect(r.status, `${method} ${ref}`).toBe(200);
      expect(sortedKeys(r.body)).toEqual(['agent', 'messages', 'total', 'urgent']);
      expect(r.body).toMatchObject({ agent: ref, total: 1, urgent: 0 });
      expect(r.body.messages).toHaveLength(1);
      expect(r.body.messages[0]).toMatchObject({ id: expect.stringMatching(UUID), from: SUPERVISOR, type: 'task_assign', summary: 'task_assign: the second task' });
    }
    const status = await agentStatus('busy');
    expect(status).toMatchObject({ state: 'Working', inbox_len: 1, urgent_len: 0 });

    const b = await api('POST', '/v1/backlog', { description: 'read me', tags: ['x', 'y'] });
    const g = await api('GET', '/v1/backlog');
    expect(g.status).toBe(200);
    expect(g.body).toEqual({ backlog: [{ task_id: b.body.task_id, description: 'read me', tags: ['x', 'y'] }], count: 1 });
    expect((await api('DELETE', `/v1/backlog/${b.body.task_id}`)).status).toBe(200);
    await taskDone(second.body.task_id);
  });

  it('an unknown agent\'s inbox is 404 ProblemDetails (Tinytown: 500)', async () => {
    for (const method of ['GET', 'POST']) {
      const r = await api(method, '/v1/agents/nobody/inbox');
      expect(r.status).toBe(404);
      expect(r.type).toMatch(/^application\/json/);
      expect(r.body).toEqual(problem(404, 'Not Found', 'Agent not found: nobody', 'TAHO_AGENT_NOT_FOUND'));
    }
  });
});

describe('write routes', () => {
  it('assign: 201 {task_id, agent_id, agent_name}; an unknown agent is 404 ProblemDetails', async () => {
    const id = await spawn('writer');
    const r = await api('POST', '/v1/tasks/assign', { agent: 'writer', task: 'write it' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ task_id: expect.stringMatching(UUID), agent_id: id, agent_name: 'writer' });
    const byId = await api('POST', '/v1/tasks/assign', { agent: id, task: 'by id' });
    expect(byId.status).toBe(201);
    expect(byId.body.agent_name).toBe('writer');

    const unknown = await api('POST', '/v1/tasks/assign', { agent: 'bob', task: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(problem(404, 'Not Found', 'Agent not found: bob', 'TAHO_AGENT_NOT_FOUND'));
    await taskDone(r.body.task_id);
    await taskDone(byId.body.task_id);
  });

  it('bad JSON and schema failures are 400 ProblemDetails with code and hint (axum: text/plain 400/422/415)', async () => {
    const bad = await api('POST', '/v1/tasks/assign', '{"agent": ');
    expect(bad.status).toBe(400);
    expect(bad.type).toMatch(/^application\/json/);
    expect(bad.body).toEqual(problem(400, 'Bad Request', expect.any(String), 'TAHO_BAD_JSON'));
    const missing = await api('POST', '/v1/tasks/assign', { agent: 'writer' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual(problem(400, 'Bad Request', expect.stringContaining('task')));
    const wrongType = await api('POST', '/v1/messages/send', { to: 'writer', message: 'x', urgent: 'yes' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toEqual(problem(400, 'Bad Request', expect.any(String)));
    const noRoute = await api('GET', '/v1/nothing-here');
    expect(noRoute.status).toBe(404);
    expect(noRoute.body).toMatchObject({ type: 'https://tinytown.dev/errors/404', title: 'Not Found', status: 404 });
  });

  it('backlog: add 201, claim, a bad id 400, assign-all, delete and delete again 404', async () => {
    const agentId = await spawn('claimer', {});
    // Keep claimer busy so claimed tasks stay put where we can see them.
    await api('POST', '/v1/tasks/assign', { agent: 'claimer', task: 'sleep 1000' });
    const add = await api('POST', '/v1/backlog', { description: 'claim me' });
    expect(add.status).toBe(201);
    expect(add.body).toEqual({ task_id: expect.stringMatching(UUID), description: 'claim me' });

    const badId = await api('POST', '/v1/backlog/not-a-uuid/claim', { agent: 'claimer' });
    expect(badId.status).toBe(400);
    expect(badId.body).toEqual(problem(400, 'Bad Request', 'Invalid task ID: not-a-uuid'));
    const unknownAgent = await api('POST', `/v1/backlog/${add.body.task_id}/claim`, { agent: 'nobody' });
    expect(unknownAgent.status).toBe(404);
    expect(unknownAgent.body).toEqual(problem(404, 'Not Found', 'Agent not found: nobody', 'TAHO_AGENT_NOT_FOUND'));
    // The failed claim changed nothing.
    expect((await api('GET', '/v1/backlog')).body.count).toBe(1);

    const claim = await api('POST', `/v1/backlog/${add.body.task_id}/claim`, { agent: 'claimer' });
    expect(claim.status).toBe(200);
    expect(claim.body).toEqual({ task_id: add.body.task_id, agent_id: agentId, agent_name: 'claimer' });
    const again = await api('POST', `/v1/backlog/${add.body.task_id}/claim`, { agent: 'claimer' });
    expect(again.status).toBe(404);
    expect(again.body).toEqual(problem(404, 'Not Found', `Task ${add.body.task_id} not found in backlog`));

    const a = await api('POST', '/v1/backlog', { description: 'all one' });
    const b = await api('POST', '/v1/backlog', { description: 'all two' });
    const all = await api('POST', '/v1/backlog/assign-all', { agent: 'claimer' });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ assigned: 2, tasks: [a.body.task_id, b.body.task_id] });
    expect((await api('POST', '/v1/backlog/assign-all', { agent: 'claimer' })).body).toEqual({ assigned: 0, tasks: [] });
    expect((await api('POST', '/v1/backlog/assign-all', { agent: 'nobody' })).status).toBe(404);
    expect((await api('GET', '/v1/backlog')).body).toEqual({ backlog: [], count: 0 });

    const del = await api('POST', '/v1/backlog', { description: 'delete me' });
    const removed = await api('DELETE', `/v1/backlog/${del.body.task_id}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ removed: true, task_id: del.body.task_id });
    expect((await api('GET', `/v1/tasks/${del.body.task_id}`)).body.state).toBe('cancelled');
    const gone = await api('DELETE', `/v1/backlog/${del.body.task_id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual(problem(404, 'Not Found', `Task ${del.body.task_id} not found in backlog`));
    const badDelete = await api('DELETE', '/v1/backlog/assign-all');
    expect(badDelete.status).toBe(400);
    expect(badDelete.body).toEqual(problem(400, 'Bad Request', 'Invalid task ID: assign-all'));
    for (const id of [add.body.task_id, a.body.task_id, b.body.task_id]) expect((await taskDone(id)).state).toBe('completed');
  });

  it('send: 201 {message_id, to_agent (uuid), urgent}; urgent messages come first in the inbox', async () => {
    const id = await spawn('listener');
    const info = await api('POST', '/v1/messages/send', { to: 'listener', message: 'first, not urgent', kind: 'info' });
    expect(info.status).toBe(201);
    expect(info.body).toEqual({ message_id: expect.stringMatching(UUID), to_agent: id, urgent: false });
    const urgent = await api('POST', '/v1/messages/send', { to: 'listener', message: 'second, urgent', kind: 'info', urgent: true, from: 'writer' });
    expect(urgent.status).toBe(201);
    expect(urgent.body).toEqual({ message_id: expect.stringMatching(UUID), to_agent: id, urgent: true });
    const ack = await api('POST', '/v1/messages/send', { to: id, message: 'ok', kind: 'ack', from: 'conductor' });
    expect(ack.status).toBe(201);

    const inbox = await api('GET', '/v1/agents/listener/inbox');
    expect(inbox.body).toMatchObject({ agent: 'listener', total: 3, urgent: 1 });
    const writer = (await agentStatus('writer')).id;
    expect(inbox.body.messages.map((m: object) => ({ ...m }))).toMatchObject([
      { id: urgent.body.message_id, from: writer, type: 'info', summary: 'info: second, urgent' },
      { id: info.body.message_id, from: SUPERVISOR, type: 'info', summary: 'info: first, not urgent' },
      { id: ack.body.message_id, from: SUPERVISOR, type: 'confirmation', summary: 'confirmation' },
    ]);
    expect(await agentStatus('listener')).toMatchObject({ inbox_len: 3, urgent_len: 1 });

    const unknown = await api('POST', '/v1/messages/send', { to: 'nobody', message: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(problem(404, 'Not Found', 'Agent not found: nobody', 'TAHO_AGENT_NOT_FOUND'));
    const badFrom = await api('POST', '/v1/messages/send', { to: 'listener', message: 'x', kind: 'info', from: 'ghost' });
    expect(badFrom.status).toBe(404);
    expect((await api('GET', '/v1/agents/listener/inbox')).body.total).toBe(3);
  });
});

describe('agent management', () => {
  it('spawn: 201 with Tinytown\'s fields; a duplicate name is 409; a bad parent 400', async () => {
    const parent = await spawn('boss');
    const r = await api('POST', '/v1/agents', { name: 'minion', cli: 'script', role_id: 'worker', nickname: 'Min', parent_agent_id: parent });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ agent_id: expect.stringMatching(UUID), name: 'minion', cli: 'script', role_id: 'worker', nickname: 'Min', parent_agent_id: parent });
    const plain = await api('POST', '/v1/agents', { name: 'plain', cli: 'script' });
    expect(plain.body).toEqual({ agent_id: expect.stringMatching(UUID), name: 'plain', cli: 'script', role_id: null, nickname: null, parent_agent_id: null });

    const dup = await api('POST', '/v1/agents', { name: 'minion', cli: 'script' });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual(problem(409, 'Conflict', 'Agent already exists: minion', 'TAHO_CONFLICT'));
    const badParent = await api('POST', '/v1/agents', { name: 'orphan', cli: 'script', parent_agent_id: 'not-a-uuid' });
    expect(badParent.status).toBe(400);
    expect(badParent.body).toEqual(problem(400, 'Bad Request', 'Invalid parent_agent_id: not-a-uuid'));
    const badCli = await api('POST', '/v1/agents', { name: 'nocli', cli: 'no-such-cli' });
    expect(badCli.status).toBe(400);
    expect(badCli.body).toEqual(problem(400, 'Bad Request', expect.stringContaining('no-such-cli')));
    expect((await api('GET', '/v1/agents')).body.agents.map((a: { name: string }) => a.name)).not.toContain('orphan');
  });

  it('kill, restart, prune; 404 for an unknown agent', async () => {
    await spawn('doomed');
    await spawn('phoenix');
    const kill = await api('POST', '/v1/agents/doomed/kill');
    expect(kill.status).toBe(200);
    expect(kill.body).toEqual({ status: 'stopped', agent: 'doomed' });
    expect((await agentStatus('doomed')).state).toBe('Stopped');
    expect((await api('POST', '/v1/agents/nobody/kill')).body).toEqual(problem(404, 'Not Found', 'Agent not found: nobody', 'TAHO_AGENT_NOT_FOUND'));

    await api('POST', '/v1/agents/phoenix/kill');
    const restart = await api('POST', '/v1/agents/phoenix/restart');
    expect(restart.status).toBe(200);
    expect(restart.body).toEqual({ status: 'restarted', agent: 'phoenix' });
    expect((await agentStatus('phoenix')).state).toBe('Idle');
    const unknownRestart = await api('POST', '/v1/agents/nobody/restart');
    expect(unknownRestart.status).toBe(404);
    expect(unknownRestart.body).toEqual(problem(404, 'Not Found', 'Agent not found: nobody', 'TAHO_AGENT_NOT_FOUND'));

    const prune = await api('POST', '/v1/agents/prune', {});
    expect(prune.status).toBe(200);
    expect(prune.body).toEqual({ removed: 1, agents: ['doomed'] });
    expect((await api('POST', '/v1/agents/prune', {})).body).toEqual({ removed: 0, agents: [] });
    expect((await api('GET', '/v1/agents')).body.agents.map((a: { name: string }) => a.name)).toContain('phoenix');
  });

  it('recover, reclaim and orphan-tasks answer in Tinytown\'s shapes', async () => {
    const recover = await api('POST', '/v1/recover');
    expect(recover.status).toBe(200);
    expect(recover.body).toMatchObject({ checked: expect.any(Number), recovered: 0, agents: [] });
    expect(recover.body.checked).toBe((await api('GET', '/v1/agents')).body.count);

    const listed = await api('POST', '/v1/reclaim', {});
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ reclaimed: 0, destination: 'Listed' });
    expect((await api('POST', '/v1/reclaim', { to_backlog: true })).body).toMatchObject({ reclaimed: 0, destination: 'Backlog' });
    expect((await api('POST', '/v1/reclaim', { to: 'phoenix' })).body).toMatchObject({ reclaimed: 0, destination: 'Agent("phoenix")' });
    const unknownTo = await api('POST', '/v1/reclaim', { to: 'nobody' });
    expect(unknownTo.status).toBe(404);
    expect(unknownTo.body).toEqual(problem(404, 'Not Found', 'Agent not found: nobody', 'TAHO_AGENT_NOT_FOUND'));

    for (const body of [{}, { action: 'list' }, { action: '' }]) {
      const o = await api('POST', '/v1/reclaim/orphan-tasks', body);
      expect(o.status, JSON.stringify(body)).toBe(200);
      expect(o.body).toEqual({ action: 'list', count: 0, orphans: [] });
    }
    expect((await api('POST', '/v1/reclaim/orphan-tasks', { action: 'backlog' })).body).toEqual({ action: 'to_backlog', count: 0, orphans: [] });
    const bad = await api('POST', '/v1/reclaim/orphan-tasks', { action: 'explode' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(problem(400, 'Bad Request', 'unknown action \'explode\': expected one of list|to_backlog|cancel|delete'));
  });

  it('orphan-tasks takes an optional body: no body at all lists (Tinytown: Option<Json<T>>)', async () => {
    // wire/tinytown.md §3 "Optional bodies": stop, fail and orphan-tasks can be called with no body.
    const o = await api('POST', '/v1/reclaim/orphan-tasks');
    expect(o.body).toEqual({ action: 'list', count: 0, orphans: [] });
    expect(o.status).toBe(200);
  });

  it('orphan-tasks finds the tasks of a pruned agent and moves them to the backlog', async () => {
    await spawn('leaver');
    await api('POST', '/v1/tasks/assign', { agent: 'leaver', task: 'hang' });
    await roundPid('leaver');
    const queued = await api('POST', '/v1/tasks/assign', { agent: 'leaver', task: 'never run' });
    expect(queued.status).toBe(201);
    await api('POST', '/v1/agents/leaver/kill');
    // taho refuses work for a dead agent (a client mistake: 409, not Tinytown's silent inbox push).
    const refused = await api('POST', '/v1/tasks/assign', { agent: 'leaver', task: 'too late' });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual(problem(409, 'Conflict', expect.stringContaining('leaver')));
    const held = (await api('GET', '/v1/tasks?agent=leaver')).body.tasks.map((t: { id: string }) => t.id);
    expect(held).toHaveLength(2);
    expect((await api('POST', '/v1/agents/prune', {})).body).toEqual({ removed: 1, agents: ['leaver'] });
    const listed = await api('POST', '/v1/reclaim/orphan-tasks', { action: 'list' });
    expect(listed.body.action).toBe('list');
    expect(listed.body.count).toBe(2);
    for (const o of listed.body.orphans) {
      expect(sortedKeys(o)).toEqual(['assigned_to', 'reason', 'state', 'task_id']);
      expect(o.reason).toBe('agent_missing');
      expect(['assigned', 'running']).toContain(o.state);
    }
    const moved = await api('POST', '/v1/reclaim/orphan-tasks', { action: 'to_backlog' });
    expect(moved.body).toMatchObject({ action: 'to_backlog', count: 2 });
    const backlog = (await api('GET', '/v1/backlog')).body;
    expect(backlog.backlog.map((b: { task_id: string }) => b.task_id).sort()).toEqual([...held].sort());
    for (const id of held) expect((await api('DELETE', `/v1/backlog/${id}`)).status).toBe(200);
  });
});

describe('agents that really run', () => {
  it('a task ends completed with its output as the result, and the round log has it', async () => {
    await spawn('runner');
    const r = await api('POST', '/v1/tasks/assign', { agent: 'runner', task: 'hello world' });
    const task = await taskDone(r.body.task_id);
    expect(task).toMatchObject({ id: r.body.task_id, state: 'completed', assigned_to: r.body.agent_id, result: expect.stringMatching(/(^|\n)done: hello world$/) });
    await until('runner idle', async () => (await agentStatus('runner'))?.state === 'Idle');
    expect(await agentStatus('runner')).toMatchObject({ state: 'Idle', rounds_completed: 1, tasks_completed: 1, inbox_len: 0 });
    const logs = await fetch(`${server.url}/v1/agents/runner/logs`);
    expect(logs.status).toBe(200);
    const text = await logs.text();
    expect(text).toContain('done: hello world');
    expect(text).toContain(`script-agent runner got task ${r.body.task_id}`);
    expect(await (await fetch(`${server.url}/v1/agents/runner/logs?round=1`)).text()).toBe(text);
    const none = await api('GET', '/v1/agents/writer2-never/logs');
    expect(none.status).toBe(404);
  });

  it('a "fail" task ends failed with the exit code and output', async () => {
    await spawn('failer');
    const r = await api('POST', '/v1/tasks/assign', { agent: 'failer', task: 'please fail' });
    const task = await taskDone(r.body.task_id);
    expect(task).toMatchObject({ state: 'failed', result: expect.stringMatching(/^exit code 2: [\s\S]*cannot do: please fail/) });
    await until('failer settles', async () => (await agentStatus('failer'))?.state !== 'Working');
    expect(['Idle', 'Error']).toContain((await agentStatus('failer')).state);
  });

  it('restart mid-round ends the process and runs the task again, once', async () => {
    await spawn('again');
    const r = await api('POST', '/v1/tasks/assign', { agent: 'again', task: 'sleep 800' });
    const pid = await roundPid('again');
    const restart = await api('POST', '/v1/agents/again/restart');
    expect(restart.body).toEqual({ status: 'restarted', agent: 'again' });
    await until('the first round process to be gone', async () => !processAlive(pid));
    const task = await taskDone(r.body.task_id);
    expect(task).toMatchObject({ state: 'completed', result: expect.stringMatching(/(^|\n)done: sleep 800$/) });
    await until('again idle', async () => (await agentStatus('again'))?.state === 'Idle');
    expect(await agentStatus('again')).toMatchObject({ tasks_completed: 1, inbox_len: 0 });
    expect((await api('GET', '/v1/tasks?agent=again')).body.count).toBe(1);
  });

  it('kill stops a hanging round: agent Stopped, the process gone', async () => {
    await spawn('hanger');
    const r = await api('POST', '/v1/tasks/assign', { agent: 'hanger', task: 'hang' });
    const pid = await roundPid('hanger');
    expect(processAlive(pid)).toBe(true);
    expect(scriptChildren(serverPid(server))).toContain(pid);
    const kill = await api('POST', '/v1/agents/hanger/kill');
    expect(kill.status).toBe(200);
    expect(kill.body).toEqual({ status: 'stopped', agent: 'hanger' });
    expect(await agentStatus('hanger')).toMatchObject({ state: 'Stopped' });
    await until('the round process to be gone', async () => !processAlive(pid));
    expect(scriptChildren(serverPid(server))).not.toContain(pid);
    const task = (await api('GET', `/v1/tasks/${r.body.task_id}`)).body;
    // Its task waits for reclaim, still in the dead agent's hands.
    expect(task).toMatchObject({ assigned_to: r.body.agent_id });
    expect(['assigned', 'running']).toContain(task.state);
    const listed = await api('POST', '/v1/reclaim', { from: 'hanger' });
    expect(listed.body).toMatchObject({ reclaimed: 0, destination: 'Listed' });
    // Clean up: cancel it so later reclaims on this server see nothing.
    expect((await api('POST', '/v1/reclaim/orphan-tasks', { action: 'cancel' })).body).toMatchObject({ action: 'cancel', count: 1 });
  });
});

describe('recovery after a round\'s process is killed behind taho\'s back', () => {
  let town: Server;
  const t = client(() => town.url);
  beforeAll(async () => {
    town = await serve();
  }, 60_000);
  afterAll(async () => {
    await town?.stop();
  });

  it('recover marks the agent Error, reclaim lists then moves once, another agent completes it, never duplicated', async () => {
    const aId = await spawn('A', {}, t);
    const assigned = await t('POST', '/v1/tasks/assign', { agent: 'A', task: 'sleep 3000' });
    expect(assigned.status).toBe(201);
    const taskId = assigned.body.task_id as string;
    const pid = await roundPid('A', t);
    expect(scriptChildren(serverPid(town))).toContain(pid);
    process.kill(pid, 'SIGKILL');
    await until('the process to be gone', async () => !processAlive(pid));

    // The server notices the exit asynchronously; recover marks A once it has.
    const recovered = await until('recover to mark A', async () => {
      const r = await t('POST', '/v1/recover');
      expect(r.status).toBe(200);
      return r.body.recovered === 1 ? r.body : undefined;
    }, { everyMs: 100 });
    expect(recovered).toMatchObject({ recovered: 1, agents: ['A'] });
    expect(recovered.checked).toBeGreaterThanOrEqual(1);
    expect(await agentStatus('A', t)).toMatchObject({ state: 'Error' });
    expect((await t('POST', '/v1/recover')).body).toMatchObject({ recovered: 0, agents: [] });

    const listed = await t('POST', '/v1/reclaim', {});
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ reclaimed: 0, destination: 'Listed' });
    expect(listed.body.tasks.map((x: { task_id: string }) => x.task_id)).toEqual([taskId]);
    expect((await t('GET', `/v1/tasks/${taskId}`)).body).toMatchObject({ assigned_to: aId, state: 'running' });
    expect((await t('GET', '/v1/backlog')).body.count).toBe(0);

    // Five reclaims racing move it once.
    const racing = await Promise.all(Array.from({ length: 5 }, () => t('POST', '/v1/reclaim', { to_backlog: true })));
    for (const r of racing) expect(r.body).toMatchObject({ destination: 'Backlog' });
    expect(racing.reduce((n, r) => n + (r.body.reclaimed as number), 0)).toBe(1);
    const backlog = (await t('GET', '/v1/backlog')).body;
    expect(backlog.backlog.filter((b: { task_id: string }) => b.task_id === taskId)).toHaveLength(1);
    expect(backlog.count).toBe(1);
    expect((await t('GET', `/v1/tasks/${taskId}`)).body).toMatchObject({ state: 'pending', assigned_to: null });
    expect((await t('POST', '/v1/reclaim', { to_backlog: true })).body).toMatchObject({ reclaimed: 0, destination: 'Backlog' });
    expect((await t('GET', '/v1/backlog')).body.count).toBe(1);
    expect(await agentStatus('A', t)).toMatchObject({ state: 'Error', inbox_len: 0 });

    const ids = { B: await spawn('B', {}, t), C: await spawn('C', {}, t) };
    // B and C race for it: exactly one claim wins, the other is 404.
    const claims = await Promise.all((['B', 'C'] as const).map((n) => t('POST', `/v1/backlog/${taskId}/claim`, { agent: n })));
    expect(claims.map((c) => c.status).sort()).toEqual([200, 404]);
    const won = claims.findIndex((c) => c.status === 200);
    const [winner, loser] = won === 0 ? (['B', 'C'] as const) : (['C', 'B'] as const);
    const bId = ids[winner];
    expect(claims[won]!.body).toEqual({ task_id: taskId, agent_id: bId, agent_name: winner });
    expect(claims[1 - won]!.body).toEqual(problem(404, 'Not Found', `Task ${taskId} not found in backlog`));
    const done = await taskDone(taskId, t);
    expect(done).toMatchObject({ state: 'completed', assigned_to: bId, result: expect.stringMatching(/(^|\n)done: sleep 3000$/) });

    const all = (await t('GET', '/v1/tasks')).body;
    expect(all.tasks.filter((x: { id: string }) => x.id === taskId)).toHaveLength(1);
    expect(all.count).toBe(1);
    expect((await t('GET', '/v1/backlog')).body).toEqual({ backlog: [], count: 0 });
    expect((await t('GET', '/v1/tasks/pending')).body).toEqual({ tasks: [], count: 0 });
    await until(`${winner} idle`, async () => (await agentStatus(winner, t))?.state === 'Idle');
    expect(await agentStatus(winner, t)).toMatchObject({ rounds_completed: 1, tasks_completed: 1 });
    expect(await agentStatus('A', t)).toMatchObject({ state: 'Error', tasks_completed: 0 });
    expect(await agentStatus(loser, t)).toMatchObject({ state: 'Idle', rounds_completed: 0, tasks_completed: 0 });
    expect((await t('POST', '/v1/reclaim', {})).body).toMatchObject({ reclaimed: 0, destination: 'Listed', tasks: [] });
    expect(scriptChildren(serverPid(town))).toEqual([]);
  });
});

/** Reads an SSE stream event by event. */
function sse(url: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const queue: { id: number; data: { id: number; kind: string; type: string; data: Record<string, unknown> } }[] = [];
  let wake: (() => void) | undefined;
  const ready = fetch(url, { headers, signal: ac.signal }).then(async (r) => {
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          buf += dec.decode(value, { stream: true });
          let at: number;
          while ((at = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            const id = /^id: (\d+)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (id !== undefined && data !== undefined) queue.push({ id: Number(id), data: JSON.parse(data) });
            wake?.();
          }
        }
      } catch {
        // aborted
      }
    })();
  });
  return {
    ready,
    /** Events until one matches `stop` (included). */
    async until(stop: (e: (typeof queue)[number]) => boolean, timeoutMs = 10_000) {
      await ready;
      const out: typeof queue = [];
      const end = Date.now() + timeoutMs;
      for (;;) {
        while (queue.length > 0) {
          const e = queue.shift()!;
          out.push(e);
          if (stop(e)) return out;
        }
        if (Date.now() > end) throw new Error(`no matching event; got ${out.map((e) => `${e.id}:${e.data.kind}/${e.data.type}`).join(', ')}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
    },
    close: () => ac.abort(),
  };
}

describe('/v1/events (SSE)', () => {
  it('streams events with increasing ids; Last-Event-ID resumes with nothing lost or repeated', async () => {
    // The one event stream: town events are kind "town", type "<what>.<change>".
    const marker = (d: string) => (e: { data: { kind: string; type: string; data: Record<string, unknown> } }) =>
      e.data.kind === 'town' && e.data.type === 'backlog.added' && e.data.data.description === d;
    // From the start: everything stored so far replays, then live events follow.
    const first = sse(`${server.url}/v1/events`);
    await first.ready;
    const ids: string[] = [];
    ids.push((await api('POST', '/v1/backlog', { description: 'sse one' })).body.task_id);
    await spawn('sse-agent');
    ids.push((await api('POST', '/v1/backlog', { description: 'sse two' })).body.task_id);
    const seen1 = await first.until(marker('sse two'));
    first.close();
    expect(seen1[0]?.id).toBe(1);
    for (const e of seen1) expect(e.data.id).toBe(e.id);
    const lastSeen = seen1.at(-1)!.id;

    // Changes while disconnected.
    ids.push((await api('POST', '/v1/backlog', { description: 'sse three' })).body.task_id);
    await api('POST', '/v1/agents/sse-agent/kill');
    ids.push((await api('POST', '/v1/backlog', { description: 'sse four' })).body.task_id);

    const second = sse(`${server.url}/v1/events`, { 'last-event-id': String(lastSeen) });
    const seen2 = await second.until(marker('sse four'));
    // And one live after the replay.
    ids.push((await api('POST', '/v1/backlog', { description: 'sse five' })).body.task_id);
    seen2.push(...await second.until(marker('sse five')));
    second.close();

    const all = [...seen1, ...seen2].map((e) => e.id);
    expect(seen2[0]?.id).toBe(lastSeen + 1);
    // Strictly increasing by one: no gap, no repeat, across the reconnect.
    all.forEach((id, i) => expect(id).toBe(i + 1));
    const kinds = seen2.map((e) => `${e.data.kind}/${e.data.type}`);
    expect(kinds).toContain('town/agent.state');
    expect(seen2.filter(marker('sse three'))).toHaveLength(1);

    // ?after= is the same as Last-Event-ID.
    const third = sse(`${server.url}/v1/events?after=${lastSeen}`);
    const seen3 = await third.until(marker('sse five'));
    third.close();
    expect(seen3.map((e) => e.id)).toEqual(seen2.map((e) => e.id));
    for (const id of ids) await api('DELETE', `/v1/backlog/${id}`);
  });
});

describe('api_key auth (Tinytown\'s {error, status} bodies)', () => {
  let secured: Server;
  const s = client(() => secured.url);
  let admin = '';
  let reader = '';
  beforeAll(async () => {
    const a = await generateKey(['admin']);
    const r = await generateKey(['town.read']);
    admin = a.key;
    reader = r.key;
    secured = await serve(`[[http.auth.keys]]\nname = "reader"\nhash = "${r.hash}"\nscopes = ["town:read"]\n`, {
      TAHO__HTTP__AUTH__MODE: 'api_key',
      TAHO__HTTP__AUTH__API_KEY_HASH: a.hash,
    });
  }, 60_000);
  afterAll(async () => {
    await secured?.stop();
  });

  it('401 without a key, 401 with a wrong one, 403 without the scope; Bearer and X-API-Key both work', async () => {
    const none = await s('GET', '/v1/town');
    expect(none.status).toBe(401);
    expect(none.type).toMatch(/^application\/json/);
    expect(none.body).toMatchObject({ error: 'Authentication required', status: 401 });
    const wrong = await s('GET', '/v1/town', undefined, { authorization: 'Bearer not-the-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'Invalid credentials', status: 401 });
    const wrongHeader = await s('GET', '/v1/town', undefined, { 'x-api-key': 'not-the-key' });
    expect(wrongHeader.body).toMatchObject({ error: 'Invalid credentials', status: 401 });
    const forbidden = await s('POST', '/v1/agents', { name: 'x', cli: 'script' }, { authorization: `Bearer ${reader}` });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ error: 'Insufficient permissions', status: 403 });
    const forbiddenWrite = await s('POST', '/v1/backlog', { description: 'x' }, { 'x-api-key': reader });
    expect(forbiddenWrite.status).toBe(403);

    expect((await s('GET', '/v1/town', undefined, { authorization: `Bearer ${admin}` })).status).toBe(200);
    expect((await s('GET', '/v1/town', undefined, { 'x-api-key': admin })).status).toBe(200);
    expect((await s('GET', '/v1/agents', undefined, { 'x-api-key': reader })).status).toBe(200);
    expect((await s('POST', '/v1/agents', { name: 'keyed', cli: 'script' }, { 'x-api-key': admin })).status).toBe(201);
    // Bearer first: a wrong Bearer is not rescued by a right X-API-Key.
    expect((await s('GET', '/v1/town', undefined, { authorization: 'Bearer nope', 'x-api-key': admin })).status).toBe(401);
    // Public routes need no key.
    for (const path of ['/health', '/healthz', '/ready', '/readyz', '/metrics', '/api/scaling']) expect((await s('GET', path)).status, path).toBe(200);
  });
});
