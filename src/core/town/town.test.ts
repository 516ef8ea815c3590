import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Task, TownEvent } from './model.js';
import { processAlive } from '../../shared/process.js';
import { Town, type TownOptions } from './town.js';
import { openStores } from '../store/open.js';
import type { Stores } from '../store/ports/index.js';

const SCRIPT = { script: { command: `${process.execPath} examples/town/script-agent.mjs` } };
const dirs: string[] = [];
const towns: Town[] = [];
const stores = new Map<Town, Stores>();

afterEach(async () => {
  for (const t of towns.splice(0)) {
    await t.close().catch(() => undefined);
    await stores.get(t)?.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'taho-town-'));
  dirs.push(d);
  return d;
}

function open(dir = dataDir(), options: Partial<TownOptions> = {}): Town {
  const s = openStores({ dataDir: dir, sync: 'normal' });
  const town = new Town({ store: s.town, dataDir: dir, presets: SCRIPT, defaultCli: 'script', heartbeatMs: 50, dispatchIntervalMs: 50, killGraceMs: 500, ...options });
  towns.push(town);
  stores.set(town, s);
  return town;
}

/** The town's events in the one log, as the stream's clients see them. */
async function townEvents(town: Town, after = 0): Promise<TownEvent[]> {
  return (await (stores.get(town) as Stores).events.read(after, { kinds: ['town'] }, 100_000)).map((e) => {
    const dot = e.type.indexOf('.');
    return { id: e.id, kind: e.type.slice(0, dot) as TownEvent['kind'], type: e.type.slice(dot + 1), at: e.at, data: e.data };
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const finished = (town: Town, id: string) => until(`task ${id} to finish`, async () => {
  const t = (await town.task(id));
  return ['completed', 'failed', 'cancelled'].includes(t.state) ? t : undefined;
});

describe('town: process agents, one round per task', () => {
  it('runs an assigned task: log file has the output, the task completes with the result', async () => {
    const town = open();
    town.start();
    const alice = (await town.spawn({ name: 'alice' }));
    const { task_id } = (await town.assign('alice', 'write the report'));
    const task = await finished(town, task_id);
    expect(task).toMatchObject({ state: 'completed', assigned_to: alice.id, result: expect.stringContaining('done: write the report') });
    const log = readFileSync(join(dirs[0] as string, 'town', 'logs', 'alice', 'round-1.log'), 'utf8');
    expect(log).toContain('done: write the report');
    expect(log).toContain(`script-agent alice got task ${task_id}`);
    const a = await until('alice idle', async () => ((await town.agent('alice')).state === 'Idle' ? (await town.agent('alice')) : undefined));
    expect(a).toMatchObject({ rounds_completed: 1, tasks_completed: 1, last_exit_code: 0, current_task: null, pid: null });
  });

  it('a failing round ends the task failed with the exit code', async () => {
    const town = open();
    town.start();
    (await town.spawn({ name: 'bob' }));
    const { task_id } = (await town.assign('bob', 'please fail now'));
    const task = await finished(town, task_id);
    expect(task.state).toBe('failed');
    expect(task.result).toMatch(/^exit code 2: /);
    expect(task.result).toContain('cannot do: please fail now');
    await until('bob idle', async () => (await town.agent('bob')).state === 'Idle');
    expect((await town.agent('bob'))).toMatchObject({ tasks_completed: 0, rounds_completed: 1, last_exit_code: 2 });
  });

  it('kill stops a hanging round: the process is really gone', async () => {
    const town = open();
    town.start();
    (await town.spawn({ name: 'carl' }));
    const { task_id } = (await town.assign('carl', 'hang forever'));
    const pid = await until('a pid', async () => (await town.agent('carl')).pid ?? undefined);
    expect(processAlive(pid)).toBe(true);
    const killed = await town.kill('carl');
    expect(killed.state).toBe('Stopped');
    expect(processAlive(pid)).toBe(false);
    // The task waits, held by the stopped agent, for reclaim.
    expect((await town.task(task_id))).toMatchObject({ state: 'running', assigned_to: killed.id });
    expect((await town.reclaim()).tasks.map((t) => t.task_id)).toEqual([task_id]);
  });

  it('crash: SIGKILL the round, recover marks the agent, reclaim lists then moves once, a new agent completes it', async () => {
    const town = open();
    town.start();
    const dora = (await town.spawn({ name: 'dora' }));
    const { task_id } = (await town.assign('dora', 'sleep 60000'));
    const queued = (await town.assign('dora', 'second job')).task_id;
    const pid = await until('a pid', async () => (await town.agent('dora')).pid ?? undefined);
    process.kill(pid, 'SIGKILL');
    await until('the process to go', async () => !processAlive(pid));
    await until('the round to end', async () => (await town.explain('dora')).kind === 'agent' && ((await town.explain('dora')) as { last_round: { ended_at: string | null } | null }).last_round?.ended_at != null);

    const rec = (await town.recover());
    expect(rec.recovered).toBe(1);
    expect(rec.agents).toEqual([expect.objectContaining({ name: 'dora', from: 'Working', state: 'Error', reason: 'process_gone' })]);
    expect((await town.recover()).recovered).toBe(0);

    const before = { tasks: (await town.tasks()), backlog: (await town.backlog()), inbox: (await town.inbox('dora')) };
    const listed = (await town.reclaim());
    expect(listed.destination).toBe('Listed');
    expect(listed.reclaimed).toBe(0);
    expect(listed.tasks.map((t) => t.task_id).sort()).toEqual([task_id, queued].sort());
    expect({ tasks: (await town.tasks()), backlog: (await town.backlog()), inbox: (await town.inbox('dora')) }).toEqual(before);

    const moved = (await town.reclaim({ toBacklog: true }));
    expect(moved).toMatchObject({ reclaimed: 2, destination: 'Backlog' });
    expect((await town.reclaim({ toBacklog: true })).reclaimed).toBe(0);
    const backlog = (await town.backlog()).map((b) => b.task_id);
    expect(backlog.sort()).toEqual([task_id, queued].sort());
    expect((await town.inbox('dora')).total).toBe(0);
    expect((await town.agent('dora'))).toMatchObject({ state: 'Error', current_task: null });
    expect((await town.task(task_id))).toMatchObject({ state: 'pending', assigned_to: null });

    const eve = (await town.spawn({ name: 'eve' }));
    expect((await town.claim(task_id, 'eve'))).toEqual({ task_id, agent_id: eve.id, agent_name: 'eve' });
    await expect(town.claim(task_id, 'eve')).rejects.toThrow(/not found in backlog/);
    (await town.backlogRemove(queued));
    expect((await town.backlog())).toEqual([]);
    expect((await town.task(queued)).state).toBe('cancelled');
    // sleep 60000 would take a minute; the task text is what the agent gets, so run a quick one.
    const done = await until('eve to pick it up', async () => (await town.tasks({ agent: 'eve' })).tasks.find((t) => t.id === task_id && t.state !== 'assigned'));
    expect(['running', 'completed']).toContain(done.state);
    await town.cancelTask(task_id);
    expect((await town.task(task_id)).state).toBe('cancelled');
    expect((await town.agent('eve'))).toMatchObject({ state: 'Idle', current_task: null });
    expect(dora.id).not.toBe(eve.id);
  });

  it('a reclaimed task is completed by the new agent, exactly once', async () => {
    const town = open();
    town.start();
    (await town.spawn({ name: 'fay' }));
    const { task_id } = (await town.assign('fay', 'sleep 1500 then report'));
    const pid = await until('a pid', async () => (await town.agent('fay')).pid ?? undefined);
    process.kill(pid, 'SIGKILL');
    await until('recover to find fay', async () => (await town.recover()).recovered === 1 || undefined);
    const gus = (await town.spawn({ name: 'gus' }));
    expect((await town.reclaim({ to: 'gus', from: 'fay' }))).toMatchObject({ reclaimed: 1, destination: 'Agent("gus")' });
    expect((await town.reclaim({ to: 'gus' })).reclaimed).toBe(0);
    const done = await finished(town, task_id);
    expect(done).toMatchObject({ state: 'completed', assigned_to: gus.id, result: expect.stringContaining('done: sleep 1500 then report') });
    expect((await town.tasks()).tasks.filter((t) => t.description === 'sleep 1500 then report')).toHaveLength(1);
    expect((await town.agent('gus')).tasks_completed).toBe(1);

    const b = (await town.backlogAdd('finish the migration', ['worker']));
    expect((await town.assignAll('gus'))).toEqual({ assigned: 1, tasks: [b.task_id] });
    expect((await finished(town, b.task_id)).result).toContain('done: finish the migration');
  });
});

describe('town: inbox, explain, events, restart', () => {
  it('dequeues urgent messages first, then in arrival order', async () => {
    const town = open();
    (await town.spawn({ name: 'hal' }));
    const order: { d: string; id: string }[] = [];
    for (const d of ['n1', 'n2', 'u1', 'n3', 'u2']) order.push({ d, id: (await town.send({ to: 'hal', message: `job ${d}`, urgent: d.startsWith('u') })).task_id as string });
    (await town.send({ to: 'hal', message: 'fyi', kind: 'info' }));
    const inbox = (await town.inbox('hal'));
    expect(inbox).toMatchObject({ agent: 'hal', total: 6, urgent: 2 });
    expect(inbox.messages.slice(0, 2).map((m) => m.summary)).toEqual(['task: job u1', 'task: job u2']);
    expect(inbox.messages.map((m) => m.type)).toContain('info');
    town.start();
    const done: Task[] = [];
    for (const { id } of order) done.push(await finished(town, id));
    const startOrder = [...done].sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? '')).map((t) => t.description);
    expect(startOrder).toEqual(['job u1', 'job u2', 'job n1', 'job n2', 'job n3']);
    // The info message rode along in the first round's prompt and left the inbox.
    expect(readFileSync(join(dirs[0] as string, 'town', 'logs', 'hal', 'round-1.log'), 'utf8')).toContain('fyi');
    expect((await town.inbox('hal')).total).toBe(0);
  });

  it('explains where a task is and what it waits for, and an agent', async () => {
    const town = open();
    const ivy = (await town.spawn({ name: 'ivy', role_id: 'reviewer' }));
    const { task_id } = (await town.assign('ivy', 'first'));
    const second = (await town.assign('ivy', 'second')).task_id;
    const x = (await town.explain(second));
    expect(x).toMatchObject({ kind: 'task', location: 'inbox', inbox_position: 2, agent: { name: 'ivy', state: 'Idle' } });
    expect(x.waiting_for.map((r) => r.code)).toEqual(['queued_behind', 'dispatcher_stalled']);
    (await town.pause('ivy'));
    expect((await town.explain(task_id)).waiting_for.map((r) => r.code)).toEqual(['agent_paused']);
    const back = (await town.backlogAdd('review it', ['reviewer']));
    expect((await town.explain(back.task_id)).waiting_for.map((r) => r.code)).toEqual(['in_backlog', 'no_idle_agent_with_role']);
    (await town.resume('ivy'));
    expect((await town.explain(back.task_id)).waiting_for[1]).toMatchObject({ code: 'next_dispatch', message: expect.stringContaining('ivy') });
    town.start();
    await finished(town, second);
    const a = (await town.explain('ivy'));
    expect(a).toMatchObject({ kind: 'agent', agent: { id: ivy.id, state: 'Idle' }, inbox: { total: 0, urgent: 0 }, process: null, last_round: { n: 2, exit_code: 0, task_id: second } });
    expect(a.kind === 'agent' && a.heartbeat_age_ms).toBeGreaterThanOrEqual(0);
    expect((await town.explain(task_id))).toMatchObject({ location: 'finished', round: null });
    await expect(town.explain('nobody')).rejects.toThrow(/Agent not found: nobody/);
  });

  it('emits every change with increasing ids, and keeps all state across a restart', async () => {
    const dir = dataDir();
    const town = open(dir);
    town.start();
    (await town.spawn({ name: 'jo', max_rounds: 1 }));
    const { task_id } = (await town.assign('jo', 'only once'));
    const later = (await town.assign('jo', 'never run')).task_id;
    (await town.backlogAdd('in the backlog'));
    await finished(town, task_id);
    await until('jo stopped by max_rounds', async () => (await town.agent('jo')).state === 'Stopped');
    const seen = await townEvents(town);
    const ids = seen.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(seen.map((e) => `${e.kind}.${e.type}`)).toEqual(expect.arrayContaining(['agent.spawned', 'task.created', 'message.sent', 'backlog.added', 'task.started', 'task.completed', 'agent.round_finished']));
    expect(seen.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
    const snapshot = { agents: (await town.agents()), tasks: (await town.tasks()), backlog: (await town.backlog()), inbox: (await town.inbox('jo')) };
    await town.close();

    const again = open(dir);
    expect({ agents: (await again.agents()), tasks: (await again.tasks()), backlog: (await again.backlog()), inbox: (await again.inbox('jo')) }).toEqual(snapshot);
    expect((await again.task(later)).state).toBe('assigned');
    await again.restart('jo');
    const next = await townEvents(again, ids[ids.length - 1]);
    expect(next[0]?.id).toBeGreaterThan(ids[ids.length - 1] as number);
  });

  it('close gives a running round back to its agent, and the next town runs it', async () => {
    const dir = dataDir();
    const town = open(dir);
    town.start();
    (await town.spawn({ name: 'kim' }));
    const { task_id } = (await town.assign('kim', 'hang until closed'));
    const pid = await until('a pid', async () => (await town.agent('kim')).pid ?? undefined);
    await town.close();
    expect(processAlive(pid)).toBe(false);
    const again = open(dir);
    expect((await again.agent('kim'))).toMatchObject({ state: 'Idle', current_task: null });
    expect((await again.task(task_id)).state).toBe('assigned');
    expect((await again.inbox('kim')).messages[0]).toMatchObject({ task_id, urgent: true });
  });

  it('refuses bad requests with codes and hints', async () => {
    const town = open();
    (await town.spawn({ name: 'lou' }));
    const err = async (f: () => unknown) => {
      try {
        await f();
      } catch (e) {
        return e as { code: string; message: string; hint?: string };
      }
      throw new Error('expected a throw');
    };
    expect(await err(() => town.spawn({ name: 'lou' }))).toMatchObject({ code: 'TAHO_CONFLICT', message: 'Agent already exists: lou' });
    expect((await err(() => town.spawn({ name: '../x' }))).code).toBe('TAHO_BAD_ARGUMENTS');
    expect((await err(() => town.spawn({ name: 'm', cli: 'nope' }))).hint).toContain('script');
    expect((await err(() => town.spawn({ name: 'm', parent_agent_id: 'x' }))).message).toBe('Invalid parent_agent_id: x');
    expect(await err(() => town.agent('ghost'))).toMatchObject({ code: 'TAHO_AGENT_NOT_FOUND', message: 'Agent not found: ghost' });
    expect(await err(() => town.claim('not-a-uuid', 'lou'))).toMatchObject({ code: 'TAHO_BAD_REQUEST', message: 'Invalid task ID: not-a-uuid' });
    expect((await err(() => town.orphans('zap'))).message).toBe("unknown action 'zap': expected one of list|to_backlog|cancel|delete");
    expect((await err(() => town.reclaim({ to: 'lou', toBacklog: true }))).code).toBe('TAHO_BAD_ARGUMENTS');
    await town.kill('lou');
    expect((await err(() => town.assign('lou', 'x'))).code).toBe('TAHO_CONFLICT');
    expect(await town.prune()).toEqual({ removed: 1, agents: ['lou'] });
    expect(existsSync(join(dirs[0] as string, 'taho.db'))).toBe(true);
  });

  it('lists, requeues and cancels orphan tasks of pruned agents', async () => {
    const town = open();
    (await town.spawn({ name: 'max' }));
    const a = (await town.assign('max', 'one')).task_id;
    const b = (await town.assign('max', 'two')).task_id;
    await town.kill('max');
    expect((await town.orphans()).orphans).toEqual([
      { task_id: a, assigned_to: (await town.agent('max')).id, state: 'assigned', reason: 'agent_terminal' },
      { task_id: b, assigned_to: (await town.agent('max')).id, state: 'assigned', reason: 'agent_terminal' },
    ]);
    await town.prune();
    expect((await town.orphans('list')).orphans.map((o) => o.reason)).toEqual(['agent_missing', 'agent_missing']);
    (await town.completeTask(b, 'by hand'));
    expect((await town.orphans('backlog'))).toMatchObject({ action: 'to_backlog', count: 1 });
    expect((await town.backlog()).map((e) => e.task_id)).toEqual([a]);
    expect((await town.orphans('cancel')).count).toBe(0);
  });
});
