import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client, TahoEvent } from '../src/client/contract.js';
import { clientPair, errorOf } from './client-pair.js';
import { ROOT } from './helpers.js';

// The Client contract for the members client-contract.test.ts leaves out: the town, jobs, the
// event stream, logs, server info and component uploads. Each case runs against LocalClient and
// HttpClient (separate data directories) and compares what both answer, ids aside.
const { clients } = clientPair('taho-contract-families-');
const seen: Record<string, Record<string, unknown>> = { local: {}, http: {} };

/** Drops what differs by nature between two data directories: ids and times. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v === null || typeof v !== 'object') return typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f-]{27}$|^j-|^e-|^n-|^\d{4}-\d\d-\d\dT/.test(v) ? '<id>' : v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !/(_at|At|Time|Timestamp|_heartbeat|^pid$|^uptime)/.test(k)).map(([k, x]) => [k, shape(x)]));
}

describe.each(['local', 'http'] as const)('%s client: town, jobs, events', (kind) => {
  const c = (): Client => clients[kind];
  const keep = (key: string, value: unknown) => {
    (seen[kind] as Record<string, unknown>)[key] = shape(value);
  };

  it('spawns, lists, messages, fills and drains the backlog, explains, kills and prunes', async () => {
    const spawned = await c().spawnAgent({ name: 'con-a', cli: 'component:example/reviewer' });
    keep('spawn', spawned);
    expect(spawned).toMatchObject({ name: 'con-a', cli: 'component:example/reviewer' });
    const status = await c().townStatus();
    expect(status.agents.map((a) => a.name)).toContain('con-a');
    const added = await c().backlogAdd('a contract task', ['con']);
    keep('backlogAdd', added);
    expect((await c().backlog()).map((t) => t.task_id)).toContain(added.task_id);
    keep('explainBacklog', await c().explain(added.task_id));
    const removed = await c().backlogRemove(added.task_id);
    keep('backlogRemove', removed);
    expect(removed).toEqual({ removed: true, task_id: added.task_id });
    expect((await c().task(added.task_id)).state).toBe('cancelled');
    const sent = await c().sendMessage({ to: 'con-a', message: 'fyi', kind: 'info' });
    keep('send', sent);
    const inbox = await c().inbox('con-a');
    keep('inbox', inbox);
    expect(inbox.messages.map((m) => m.summary)).toContain('info: fyi');
    keep('recover', await c().recover());
    keep('reclaimDry', await c().reclaim({}));
    keep('orphans', await c().orphans());
    await c().killAgent('con-a');
    expect((await c().townStatus()).agents.find((a) => a.name === 'con-a')?.state).toBe('Stopped');
    keep('prune', await c().pruneAgents());
    expect((await errorOf(c().task('00000000-0000-4000-8000-000000000000'))).code).toBe('TAHO_TASK_NOT_FOUND');
    expect((await errorOf(c().inbox('nobody'))).code).toBe('TAHO_AGENT_NOT_FOUND');
  });

  it('completes a task by hand and lists tasks by state', async () => {
    await c().spawnAgent({ name: 'con-b', cli: 'component:example/reviewer' });
    const added = await c().backlogAdd('done by hand');
    const done = await c().completeTask(added.task_id, 'ok');
    keep('completeTask', done);
    expect(done).toMatchObject({ state: 'completed', result: 'ok' });
    expect((await c().tasks({ state: 'completed' })).tasks.map((t) => t.id)).toContain(added.task_id);
    await c().backlogAdd('a second, so there are pages');
    const all = (await c().tasks()).tasks.map((t) => t.id);
    const paged: string[] = [];
    for (let after: number | undefined, n = 0; n === 0 || after !== undefined; n++) {
      const page = await c().tasks({ after, limit: 1 });
      expect(page.tasks.length).toBeLessThanOrEqual(1);
      paged.push(...page.tasks.map((t) => t.id));
      after = page.next;
    }
    expect(paged).toEqual(all);
    keep('pending', await c().pendingTasks());
  });

  it('runs a job, describes it, its executions, history, results, logs, explain and nodes', async () => {
    const { JobID } = await c().submitJob({ Name: `con-${kind}`, Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} } }] });
    // A job's end is an event on the one stream: wait for it there, not by polling.
    for await (const e of c().watch({ after: 0, kinds: ['job'], subject: JobID })) if (e.type === 'Completed') break;
    const described = await c().describeJob(JobID);
    keep('describe', { state: described.Job.State.StateType, history: described.History?.Items.map((h) => h.Event.Topic) });
    expect(described.Job.State.StateType).toBe('Completed');
    const counts = await c().jobCounts();
    expect(counts.Completed).toBeGreaterThanOrEqual(1);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe((await c().jobs({ limit: 0 })).Items.length);
    const executions = await c().jobExecutions(JobID);
    expect(executions).toHaveLength(1);
    keep('history', (await c().jobHistory(JobID)).Items.map((h) => [h.Type, h.Event.Topic]));
    keep('results', await c().jobResults(JobID));
    keep('explainJob', await c().explainJob(JobID));
    const lines: string[] = [];
    for await (const l of c().jobLogs(JobID, { follow: false })) lines.push(l.Line);
    keep('logs', lines);
    const nodes = await c().nodes();
    expect(nodes.length).toBeGreaterThan(0);
    keep('jobs', (await c().jobs({ limit: 1 })).Items.length);
    expect((await errorOf(c().describeJob('j-none'))).code).toBe('TAHO_JOB_NOT_FOUND');
  });

  it('reads the event stream from an id without following, in order', async () => {
    const events: TahoEvent[] = [];
    for await (const e of c().watch({ after: 0, follow: false, kinds: ['town'] })) events.push(e);
    expect(events.length).toBeGreaterThan(3);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    keep('townEventTypes', [...new Set(events.map((e) => e.type))].sort());
    const after = events[1]?.id ?? 0;
    const rest: TahoEvent[] = [];
    for await (const e of c().watch({ after, follow: false, kinds: ['town'] })) rest.push(e);
    expect(rest[0]?.id).toBe(events[2]?.id);
  });

  it('uploads a component and shows it', async () => {
    const bytes = readFileSync(join(ROOT, 'examples/example/hello.wasm'));
    const detail = await c().addComponent('con/hi', bytes);
    keep('upload', { name: detail.name, signatures: detail.signatures });
    expect(await c().invoke({ domain: 'con', service: 'hi', method: 'greet', input: ['C'] })).toEqual({ result: 'Hello, C!' });
    expect((await errorOf(c().addComponent('con/hi', bytes))).code).toBe('TAHO_CONFLICT');
  });
});

it('answers the town, jobs and events the same from both clients', () => {
  expect(seen.http).toEqual(seen.local);
  expect(Object.keys(seen.local ?? {}).length).toBeGreaterThan(15);
});
