import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Task, TownEvent } from './model.js';
import { processAlive } from '../../shared/process.js';
import { Town, type TownOptions } from './town.js';

const SCRIPT = { script: { command: `${process.execPath} examples/town/script-agent.mjs` } };
const dirs: string[] = [];
const towns: Town[] = [];

afterEach(async () => {
  for (const t of towns.splice(0)) await t.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'taho-town-'));
  dirs.push(d);
  return d;
}

function open(dir = dataDir(), options: Partial<TownOptions> = {}): Town {
  const town = new Town({ dataDir: dir, presets: SCRIPT, defaultCli: 'script', heartbeatMs: 50, dispatchIntervalMs: 50, killGraceMs: 500, ...options });
  towns.push(town);
  return town;
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const finished = (town: Town, id: string) => until(`task ${id} to finish`, () => {
  const t = town.task(id);
  return ['completed', 'failed', 'cancelled'].includes(t.state) ? t : undefined;
});

describe('town: process agents, one round per task', () => {
  it('runs an assigned task: log file has the output, the task completes with the result', async () => {
    const town = open();
    town.start();
    const alice = town.spawn({ name: 'alice' });
    const { task_id } = town.assign('alice', 'write the report');
    const task = await finished(town, task_id);
    expect(task).toMatchObject({ state: 'completed', assigned_to: alice.id, result: expect.stringContaining('done: write the report') });
    const log = readFileSync(join(dirs[0] as string, 'town', 'logs', 'alice', 'round-1.log'), 'utf8');
    expect(log).toContain('done: write the report');
    expect(log).toContain(`script-agent alice got task ${task_id}`);
    const a = await until('alice idle', () => (town.agent('alice').state === 'Idle' ? town.agent('alice') : undefined));
    expect(a).toMatchObject({ rounds_completed: 1, tasks_completed: 1, last_exit_code: 0, current_task: null, pid: null });
  });

  it('a failing round ends the task failed with the exit code', async () => {
    const town = open();
    town.start();
    town.spawn({ name: 'bob' });
    const { task_id } = town.assign('bob', 'please fail now');
    const task = await finished(town, task_id);
    expect(task.state).toBe('failed');
    expect(task.result).toMatch(/^exit code 2: /);
    expect(task.result).toContain('cannot do: please fail now');
    await until('bob idle', () => town.agent('bob').state === 'Idle');
    expect(town.agent('bob')).toMatchObject({ tasks_completed: 0, rounds_completed: 1, last_exit_code: 2 });
  });

  it('kill stops a hanging round: the process is really gone', async () => {
    const town = open();
    town.start();
    town.spawn({ name: 'carl' });
    const { task_id } = town.assign('carl', 'hang forever');
    const pid = await until('a pid', () => town.agent('carl').pid ?? undefined);
    expect(processAlive(pid)).toBe(true);
    const killed = await town.kill('carl');
    expect(killed.state).toBe('Stopped');
    expect(processAlive(pid)).toBe(false);
    // The task waits, held by the stopped agent, for reclaim.
    expect(town.task(task_id)).toMatchObject({ state: 'running', assigned_to: killed.id });
    expect(town.reclaim().tasks.map((t) => t.task_id)).toEqual([task_id]);
  });

  it('crash: SIGKILL the round, recover marks the agent, reclaim lists then moves once, a new agent completes it', async () => {
    const town = open();
    town.start();
    const dora = town.spawn({ name: 'dora' });
    const { task_id } = town.assign('dora', 'sleep 60000');
    const queued = town.assign('dora', 'second job').task_id;
    const pid = await until('a pid', () => town.agent('dora').pid ?? undefined);
    process.kill(pid, 'SIGKILL');
    await until('the process to go', () => !processAlive(pid));
    await until('the round to end', () => town.explain('dora').kind === 'agent' && (town.explain('dora') as { last_round: { ended_at: string | null } | null }).last_round?.ended_at != null);

    const rec = town.recover();
    expect(rec.recovered).toBe(1);
    expect(rec.agents).toEqual([expect.objectContaining({ name: 'dora', from: 'Working', state: 'Error', reason: 'process_gone' })]);
    expect(town.recover().recovered).toBe(0);

    const before = { tasks: town.tasks(), backlog: town.backlog(), inbox: town.inbox('dora') };
    const listed = town.reclaim();
    expect(listed.destination).toBe('Listed');
    expect(listed.reclaimed).toBe(0);
    expect(listed.tasks.map((t) => t.task_id).sort()).toEqual([task_id, queued].sort());
    expect({ tasks: town.tasks(), backlog: town.backlog(), inbox: town.inbox('dora') }).toEqual(before);

    const moved = town.reclaim({ toBacklog: true });
    expect(moved).toMatchObject({ reclaimed: 2, destination: 'Backlog' });
    expect(town.reclaim({ toBacklog: true }).reclaimed).toBe(0);
    const backlog = town.backlog().map((b) => b.task_id);
    expect(backlog.sort()).toEqual([task_id, queued].sort());
    expect(town.inbox('dora').total).toBe(0);
    expect(town.agent('dora')).toMatchObject({ state: 'Error', current_task: null });
    expect(town.task(task_id)).toMatchObject({ state: 'pending', assigned_to: null });

    const eve = town.spawn({ name: 'eve' });
    expect(town.claim(task_id, 'eve')).toEqual({ task_id, agent_id: eve.id, agent_name: 'eve' });
    expect(() => town.claim(task_id, 'eve')).toThrow(/not found in backlog/);
    town.backlogRemove(queued);
    expect(town.backlog()).toEqual([]);
    expect(town.task(queued).state).toBe('cancelled');
    // sleep 60000 would take a minute; the task text is what the agent gets, so run a quick one.
    const done = await until('eve to pick it up', () => town.tasks({ agent: 'eve' }).find((t) => t.id === task_id && t.state !== 'assigned'));
    expect(['running', 'completed']).toContain(done.state);
    await town.cancelTask(task_id);
    expect(town.task(task_id).state).toBe('cancelled');
    expect(town.agent('eve')).toMatchObject({ state: 'Idle', current_task: null });
    expect(dora.id).not.toBe(eve.id);
  });

  it('a reclaimed task is completed by the new agent, exactly once', async () => {
    const town = open();
    town.start();
    town.spawn({ name: 'fay' });
    const { task_id } = town.assign('fay', 'sleep 1500 then report');
    const pid = await until('a pid', () => town.agent('fay').pid ?? undefined);
    process.kill(pid, 'SIGKILL');
    await until('recover to find fay', () => town.recover().recovered === 1 || undefined);
    const gus = town.spawn({ name: 'gus' });
    expect(town.reclaim({ to: 'gus', from: 'fay' })).toMatchObject({ reclaimed: 1, destination: 'Agent("gus")' });
    expect(town.reclaim({ to: 'gus' }).reclaimed).toBe(0);
    const done = await finished(town, task_id);
    expect(done).toMatchObject({ state: 'completed', assigned_to: gus.id, result: expect.stringContaining('done: sleep 1500 then report') });
    expect(town.tasks().filter((t) => t.description === 'sleep 1500 then report')).toHaveLength(1);
    expect(town.agent('gus').tasks_completed).toBe(1);

    const b = town.backlogAdd('finish the migration', ['worker']);
    expect(town.assignAll('gus')).toEqual({ assigned: 1, tasks: [b.task_id] });
    expect((await finished(town, b.task_id)).result).toContain('done: finish the migration');
  });
});

describe('town: inbox, explain, events, restart', () => {
  it('dequeues urgent messages first, then in arrival order', async () => {
    const town = open();
    town.spawn({ name: 'hal' });
    const order = ['n1', 'n2', 'u1', 'n3', 'u2'].map((d) => ({ d, id: town.send({ to: 'hal', message: `job ${d}`, urgent: d.startsWith('u') }).task_id as string }));
    town.send({ to: 'hal', message: 'fyi', kind: 'info' });
    const inbox = town.inbox('hal');
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
    expect(town.inbox('hal').total).toBe(0);
  });

  it('explains where a task is and what it waits for, and an agent', async () => {
    const town = open();
    const ivy = town.spawn({ name: 'ivy', role_id: 'reviewer' });
    const { task_id } = town.assign('ivy', 'first');
    const second = town.assign('ivy', 'second').task_id;
    const x = town.explain(second);
    expect(x).toMatchObject({ kind: 'task', location: 'inbox', inbox_position: 2, agent: { name: 'ivy', state: 'Idle' } });
    expect(x.waiting_for.map((r) => r.code)).toEqual(['queued_behind', 'dispatcher_stalled']);
    town.pause('ivy');
    expect(town.explain(task_id).waiting_for.map((r) => r.code)).toEqual(['agent_paused']);
    const back = town.backlogAdd('review it', ['reviewer']);
    expect(town.explain(back.task_id).waiting_for.map((r) => r.code)).toEqual(['in_backlog', 'no_idle_agent_with_role']);
    town.resume('ivy');
    expect(town.explain(back.task_id).waiting_for[1]).toMatchObject({ code: 'next_dispatch', message: expect.stringContaining('ivy') });
    town.start();
    await finished(town, second);
    const a = town.explain('ivy');
    expect(a).toMatchObject({ kind: 'agent', agent: { id: ivy.id, state: 'Idle' }, inbox: { total: 0, urgent: 0 }, process: null, last_round: { n: 2, exit_code: 0, task_id: second } });
    expect(a.kind === 'agent' && a.heartbeat_age_ms).toBeGreaterThanOrEqual(0);
    expect(town.explain(task_id)).toMatchObject({ location: 'finished', round: null });
    expect(() => town.explain('nobody')).toThrow(/Agent not found: nobody/);
  });

  it('emits every change with increasing ids, and keeps all state across a restart', async () => {
    const dir = dataDir();
    const town = open(dir);
    const seen: TownEvent[] = [];
    town.events.on('event', (e) => seen.push(e));
    town.start();
    town.spawn({ name: 'jo', max_rounds: 1 });
    const { task_id } = town.assign('jo', 'only once');
    const later = town.assign('jo', 'never run').task_id;
    town.backlogAdd('in the backlog');
    await finished(town, task_id);
    await until('jo stopped by max_rounds', () => town.agent('jo').state === 'Stopped');
    const ids = seen.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(seen.map((e) => `${e.kind}.${e.type}`)).toEqual(expect.arrayContaining(['agent.spawned', 'task.created', 'message.sent', 'backlog.added', 'task.started', 'task.completed', 'agent.round_finished']));
    expect(seen.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
    expect(town.eventsSince(0).map((e) => e.id)).toEqual(ids);
    const snapshot = { agents: town.agents(), tasks: town.tasks(), backlog: town.backlog(), inbox: town.inbox('jo') };
    await town.close();

    const again = open(dir);
    expect({ agents: again.agents(), tasks: again.tasks(), backlog: again.backlog(), inbox: again.inbox('jo') }).toEqual(snapshot);
    expect(again.task(later).state).toBe('assigned');
    const next: TownEvent[] = [];
    again.events.on('event', (e) => next.push(e));
    await again.restart('jo');
    expect(next[0]?.id).toBeGreaterThan(ids[ids.length - 1] as number);
  });

  it('close gives a running round back to its agent, and the next town runs it', async () => {
    const dir = dataDir();
    const town = open(dir);
    town.start();
    town.spawn({ name: 'kim' });
    const { task_id } = town.assign('kim', 'hang until closed');
    const pid = await until('a pid', () => town.agent('kim').pid ?? undefined);
    await town.close();
    expect(processAlive(pid)).toBe(false);
    const again = open(dir);
    expect(again.agent('kim')).toMatchObject({ state: 'Idle', current_task: null });
    expect(again.task(task_id).state).toBe('assigned');
    expect(again.inbox('kim').messages[0]).toMatchObject({ task_id, urgent: true });
  });

  it('refuses bad requests with codes and hints', async () => {
    const town = open();
    town.spawn({ name: 'lou' });
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as { code: string; message: string; hint?: string };
      }
      throw new Error('expected a throw');
    };
    expect(err(() => town.spawn({ name: 'lou' }))).toMatchObject({ code: 'TAHO_CONFLICT', message: 'Agent already exists: lou' });
    expect(err(() => town.spawn({ name: '../x' })).code).toBe('TAHO_BAD_ARGUMENTS');
    expect(err(() => town.spawn({ name: 'm', cli: 'nope' })).hint).toContain('script');
    expect(err(() => town.spawn({ name: 'm', parent_agent_id: 'x' })).message).toBe('Invalid parent_agent_id: x');
    expect(err(() => town.agent('ghost'))).toMatchObject({ code: 'TAHO_AGENT_NOT_FOUND', message: 'Agent not found: ghost' });
    expect(err(() => town.claim('not-a-uuid', 'lou'))).toMatchObject({ code: 'TAHO_BAD_REQUEST', message: 'Invalid task ID: not-a-uuid' });
    expect(err(() => town.orphans('zap')).message).toBe("unknown action 'zap': expected one of list|to_backlog|cancel|delete");
    expect(err(() => town.reclaim({ to: 'lou', toBacklog: true })).code).toBe('TAHO_BAD_ARGUMENTS');
    await town.kill('lou');
    expect(err(() => town.assign('lou', 'x')).code).toBe('TAHO_CONFLICT');
    expect(await town.prune()).toEqual({ removed: 1, agents: ['lou'] });
    expect(existsSync(join(dirs[0] as string, 'town.db'))).toBe(true);
  });

  it('lists, requeues and cancels orphan tasks of pruned agents', async () => {
    const town = open();
    town.spawn({ name: 'max' });
    const a = town.assign('max', 'one').task_id;
    const b = town.assign('max', 'two').task_id;
    await town.kill('max');
    expect(town.orphans().orphans).toEqual([
      { task_id: a, assigned_to: town.agent('max').id, state: 'assigned', reason: 'agent_terminal' },
      { task_id: b, assigned_to: town.agent('max').id, state: 'assigned', reason: 'agent_terminal' },
    ]);
    await town.prune();
    expect(town.orphans('list').orphans.map((o) => o.reason)).toEqual(['agent_missing', 'agent_missing']);
    town.completeTask(b, 'by hand');
    expect(town.orphans('backlog')).toMatchObject({ action: 'to_backlog', count: 1 });
    expect(town.backlog().map((e) => e.task_id)).toEqual([a]);
    expect(town.orphans('cancel').count).toBe(0);
  });
});
