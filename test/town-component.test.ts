import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';
import { post, startServer, type Server } from './server-helpers.js';

const work = tempDir('taho-town-component-');
let server: Server;

beforeAll(async () => {
  server = await startServer({ dataDir: join(work, 'data') });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function settled(id: string): Promise<{ state: string; result: string | null }> {
  // No count of tries: the test's timeout is the ceiling, so a loaded machine only makes it slower.
  for (;;) {
    const t = (await (await fetch(`${server.url}/v1/tasks/${id}`)).json()) as { state: string; result: string | null };
    if (['completed', 'failed', 'cancelled'].includes(t.state)) return t;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('component agents in the town', () => {
  it('runs each task as one invocation of the durable agent named after the town agent', async () => {
    expect((await post(`${server.url}/v1/agents`, { name: 'rev', cli: 'component:example/reviewer' })).status).toBe(201);
    const ok = (await (await post(`${server.url}/v1/tasks/assign`, { agent: 'rev', task: 'check the parser' })).json()) as { task_id: string };
    const bad = (await (await post(`${server.url}/v1/tasks/assign`, { agent: 'rev', task: 'reject the patch' })).json()) as { task_id: string };
    expect(await settled(ok.task_id)).toMatchObject({ state: 'completed', result: 'reviewed: check the parser' });
    expect(await settled(bad.task_id)).toMatchObject({ state: 'failed', result: expect.stringContaining('rejected: reject the patch') });
    expect(await (await fetch(`${server.url}/v1/agents/rev/logs`)).text()).toContain('rejected: reject the patch');
    // The durable agent behind it kept count, and its oplog keys are the tasks' ids.
    const components = (await (await fetch(`${server.url}/v1/components`)).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
    const cid = components.find((c) => c.componentName === 'example/reviewer')?.versionedComponentId.componentId;
    const count = await post(`${server.url}/v1/components/${cid}/workers/rev/invoke-and-await?function=reviewed`, { params: [] });
    expect(await count.json()).toMatchObject({ result: { value: 2 } });
  }, 30_000);

  it('`taho agents list` shows durable and town agents side by side, with a kind', async () => {
    const r = await runCli(['agents', 'list', '--url', server.url]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^KIND\s+AGENT\s+COMPONENT\/CLI/m);
    expect(r.stdout).toMatch(/^durable\s+rev\s+example\/reviewer/m);
    expect(r.stdout).toMatch(/^town\s+rev\s+component:example\/reviewer\s+Idle/m);
    const town = await runCli(['agents', 'list', '--kind', 'town', '--json', '--url', server.url]);
    expect(JSON.parse(town.stdout)).toEqual([expect.objectContaining({ kind: 'town', name: 'rev' })]);
  });

  it('`tt status --once` shows town agents, durable agents, jobs and services from one snapshot', async () => {
    const put = await fetch(`${server.url}/api/v1/orchestrator/jobs`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Job: { Name: 'nothing', Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] } }) });
    expect(put.status).toBe(200);
    const r = await runCli(['status', '--once', '--url', server.url]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^server: ${server.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    expect(r.stdout).toMatch(/^rev\s+Idle\s+component:example\/reviewer/m);
    expect(r.stdout).toMatch(/^Durable agents \(1\)$/m);
    expect(r.stdout).toMatch(/^example\/reviewer\s+rev\s+Idle/m);
    expect(r.stdout).toMatch(/^Jobs \(1 (Completed|Running|Pending)\)$/m);
    expect(r.stdout).toMatch(/^j-[0-9a-f]{8}\s+nothing\s+/m);
    expect(r.stdout).toMatch(/^example\/hello\s+\w+\s+[0-9a-f]{12}$/m);
    const json = JSON.parse((await runCli(['status', '--json', '--url', server.url])).stdout) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['at', 'durableAgents', 'jobCounts', 'jobs', 'services', 'source', 'town']);
  });

  it('refuses a component that is missing or has no run-task, in ProblemDetails', async () => {
    const missing = await post(`${server.url}/v1/agents`, { name: 'ghost', cli: 'component:example/nope' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: 'https://tinytown.dev/errors/404', status: 404, detail: expect.stringContaining('example/nope') });
    const wrong = await post(`${server.url}/v1/agents`, { name: 'hello', cli: 'component:example/hello' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ detail: 'component example/hello has no function run-task for town rounds' });
  });
});
