import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../src/client/http.js';
import type { TahoEvent } from '../src/client/contract.js';
import { pathWith, tempDir } from './helpers.js';
import { post, startServer, type Server } from './server-helpers.js';

const work = tempDir('taho-events-');
const dataDir = join(work, 'data');
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
});

/** Everything stored after `after`, as a finite read through the HTTP client. */
async function read(url: string, options: { after?: number | 'latest'; kinds?: ('town' | 'job' | 'agent' | 'service')[]; subject?: string } = {}): Promise<TahoEvent[]> {
  const out: TahoEvent[] = [];
  for await (const e of new HttpClient(url).watch({ ...options, follow: false })) out.push(e);
  return out;
}

async function until(url: string, pred: (e: TahoEvent[]) => boolean, after = 0): Promise<TahoEvent[]> {
  // A generous ceiling against hangs, in time rather than tries, so a loaded machine is only slower.
  for (const end = Date.now() + 60_000; Date.now() < end;) {
    const events = await read(url, { after });
    if (pred(events)) return events;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the expected events did not come');
}

const job = { Job: { Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] } };

describe('the one event stream', () => {
  it('carries town, job, durable agent and service changes with strictly increasing ids; filters by kind and subject', async () => {
    const s = await startServer({ dataDir, env: { PATH: pathWith('claude') } });
    servers.push(s);
    expect((await post(`${s.url}/v1/agents`, { name: 'ev-agent', cli: 'claude' })).status).toBe(201);
    const { JobID } = (await (await fetch(`${s.url}/api/v1/orchestrator/jobs`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job) })).json()) as { JobID: string };
    expect((await post(`${s.url}/api/services/example/hello/restart`, undefined)).status).toBe(200);
    const components = (await (await fetch(`${s.url}/v1/components`)).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
    const counter = components.find((c) => c.componentName === 'example/counter')?.versionedComponentId.componentId;
    expect((await post(`${s.url}/v1/components/${counter}/workers/ev/invoke-and-await?function=increment`, { params: [{ value: 1 }] })).status).toBe(200);

    const all = await until(s.url, (es) => ['town', 'job', 'agent', 'service'].every((k) => es.some((e) => e.kind === k)) && es.some((e) => e.kind === 'job' && e.type === 'Completed'));
    all.forEach((e, i) => i > 0 && expect(e.id).toBeGreaterThan(all[i - 1]!.id));
    expect(all.find((e) => e.kind === 'town')).toMatchObject({ type: 'agent.spawned', data: { name: 'ev-agent' } });
    expect(all.filter((e) => e.kind === 'job').map((e) => e.type)).toEqual(expect.arrayContaining(['Running', 'Completed']));
    expect(all.find((e) => e.kind === 'service')).toMatchObject({ type: 'restarted', subject: 'example/hello' });
    expect(all.find((e) => e.kind === 'agent')).toMatchObject({ type: 'invoked', subject: 'example/counter/ev', data: { fn: 'increment', seq: 1 } });

    const jobsOnly = await read(s.url, { kinds: ['job'] });
    expect(jobsOnly.length).toBeGreaterThan(0);
    expect(jobsOnly.every((e) => e.kind === 'job' && e.subject === JobID)).toBe(true);
    expect((await read(s.url, { subject: 'example/hello' })).map((e) => e.type)).toEqual(['restarted']);
    // `latest`: only what happens from now on.
    expect(await read(s.url, { after: 'latest' })).toEqual([]);
    const bad = await fetch(`${s.url}/v1/events?kind=weather`);
    expect(bad.status).toBe(400);
  }, 60_000);

  it('resumes with Last-Event-ID after a disconnect, and across a server restart: nothing lost, nothing repeated', async () => {
    let s = servers[0] as Server;
    const before = await read(s.url);
    const lastSeen = before.at(-1)!.id;
    // Changes while nobody listens, then a restart, then more.
    await post(`${s.url}/v1/backlog`, { description: 'while away' });
    await s.stop();
    s = await startServer({ dataDir });
    servers.push(s);
    await post(`${s.url}/v1/backlog`, { description: 'after restart' });
    const resumed = await until(s.url, (es) => es.some((e) => e.data.description === 'after restart'), lastSeen);
    expect(resumed[0]!.id).toBeGreaterThan(lastSeen);
    const descriptions = resumed.filter((e) => e.type === 'backlog.added').map((e) => e.data.description);
    expect(descriptions).toEqual(['while away', 'after restart']);
    // The same through raw SSE and the Last-Event-ID header, followed live.
    const ac = new AbortController();
    const res = await fetch(`${s.url}/v1/events`, { headers: { 'last-event-id': String(lastSeen) }, signal: ac.signal });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('after restart')) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(resumed.map((e) => e.id).slice(0, ids.length));
    expect(new Set(ids).size).toBe(ids.length);
  }, 60_000);
});

describe('log follows ride the event stream', () => {
  it('a running job\'s output comes with live-only "log grew" events (kind log, no id), and its follow delivers every line', async () => {
    const s = await startServer({ dataDir: join(work, 'logs'), env: { TAHO__JOBS__ALLOW_EXEC: 'true' } });
    servers.push(s);
    const client = new HttpClient(s.url);
    const ac = new AbortController();
    const grew: TahoEvent[] = [];
    const listening = (async () => {
      try {
        for await (const e of client.watch({ kinds: ['log', 'service'], after: 'latest', follow: true, signal: ac.signal })) grew.push(e);
      } catch {
        // aborted at the end
      }
    })();
    // The stream is open once it delivers an event made after subscribing: a service restart.
    await client.restart('example', 'hello');
    while (!grew.some((e) => e.kind === 'service')) await new Promise((r) => setTimeout(r, 20));
    const spec = { Job: { Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'exec', Params: { Command: 'sh', Arguments: ['-c', 'echo one; sleep 0.5; echo two; sleep 0.5; echo three; sleep 0.5; echo four'] } } }] } };
    const { JobID } = await client.submitJob(spec.Job);
    const lines: string[] = [];
    for await (const l of client.jobLogs(JobID, { follow: true })) lines.push(l.Line);
    expect(lines).toEqual(['one\n', 'two\n', 'three\n', 'four\n']);
    const mine = (): TahoEvent[] => grew.filter((e) => e.kind === 'log' && e.subject.startsWith(`job/${JobID}/`));
    // The last "grew" events may still be on their way: wait for them, not for a guessed delay.
    while (mine().length < 2) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await listening;
    expect(mine().every((e) => e.id === 0 && e.kind === 'log' && e.type === 'grew' && e.data['job'] === JobID)).toBe(true);
    // Never stored, and not sent to subscribers that did not ask for them.
    expect((await read(s.url)).some((e) => (e.kind as string) === 'log')).toBe(false);
  }, 60_000);
});

describe('/v1/stats', () => {
  it('counts the invocations of services and durable agents of the last minute, with errors and p50/p99', async () => {
    const s = await startServer({ dataDir: join(work, 'stats') });
    servers.push(s);
    const stats = async () => ((await (await fetch(`${s.url}/v1/stats`)).json()) as { invocations: { window_s: number; per_second: number[]; count: number; errors: number; p50_ms: number | null; p99_ms: number | null } }).invocations;
    expect(await stats()).toMatchObject({ window_s: 60, count: 0, errors: 0, p50_ms: null, p99_ms: null });
    for (let i = 0; i < 5; i++) expect((await post(`${s.url}/api/services/example/calculator/invoke/add`, [i, 1])).status).toBe(200);
    const components = (await (await fetch(`${s.url}/v1/components`)).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
    const counter = components.find((c) => c.componentName === 'example/counter')?.versionedComponentId.componentId;
    expect((await post(`${s.url}/v1/components/${counter}/workers/st/invoke-and-await?function=increment`, { params: [{ value: 1 }] })).status).toBe(200);
    // Bad arguments never ran: not counted. A call of a missing method neither.
    expect((await post(`${s.url}/api/services/example/calculator/invoke/add`, ['x', 1])).status).toBe(400);
    const after = await stats();
    expect(after.count).toBe(6);
    expect(after.errors).toBe(0);
    expect(after.per_second).toHaveLength(60);
    expect(after.per_second.reduce((a, b) => a + b, 0)).toBe(6);
    expect(after.p50_ms).toBeGreaterThan(0);
    expect(after.p99_ms).toBeGreaterThanOrEqual(after.p50_ms as number);
    const typed = await new HttpClient(s.url).serverInfo();
    expect(typed.invocations).toMatchObject({ windowS: 60, count: 6, errors: 0 });
    expect(typed).toMatchObject({ store: 'sqlite', auth: 'none', storeLatencyMs: expect.any(Number) });
  }, 60_000);
});
