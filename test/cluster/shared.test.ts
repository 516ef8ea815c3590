import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.js';
import { startRedis, type RedisServer } from '../redis-server.js';
import { until } from '../until.js';
import { startNode, type ClusterNode } from './nodes.js';

let redis: RedisServer | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function upload(url: string, name: string, bytes: Uint8Array): Promise<Response> {
  const form = new FormData();
  form.set('name', name);
  form.set('component', new Blob([bytes]), 'c.wasm');
  return fetch(`${url}/v1/components`, { method: 'POST', body: form });
}

async function increment(url: string, component: string, agent: string): Promise<Response> {
  return fetch(`${url}/v1/components/${encodeURIComponent(component)}/workers/${agent}/invoke-and-await?function=increment`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: [{ value: 1 }] }),
  });
}

const noop = { Job: { Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} } }] } };

async function jobState(url: string, id: string): Promise<string | undefined> {
  const r = await fetch(`${url}/api/v1/orchestrator/jobs/${id}`);
  return ((await r.json()) as { Job?: { State?: { StateType?: string } } }).Job?.State?.StateType;
}

describe('what the nodes of a cluster share', () => {
  it('a component uploaded to one node is served by every node, a node started later included; a name taken with other bytes is a conflict', async () => {
    const store = (redis as RedisServer).url(1);
    const a = await startNode(store, { leaseMs: 3000 });
    const b = await startNode(store, { leaseMs: 3000 });
    const counter = readFileSync(join(ROOT, 'examples', 'example', 'counter.wasm'));
    expect((await upload(a.url, 'shared/counter', counter)).status).toBe(200);
    // b learns of it from the event log: it answers once it has copied and loaded it.
    const onB = await until('node b to serve the upload', async () => {
      const r = await increment(b.url, 'shared/counter', 'x');
      return r.status === 404 ? undefined : r;
    });
    expect(onB.status).toBe(200);
    const c = await startNode(store, { leaseMs: 3000 });
    expect((await fetch(`${c.url}/v1/components?component-name=shared%2Fcounter`).then((r) => r.json()) as unknown[]).length).toBe(1);
    // The same name with other bytes, on another node: refused, and not served there either.
    const hello = readFileSync(join(ROOT, 'examples', 'example', 'hello.wasm'));
    expect((await upload(b.url, 'shared/other', hello)).status).toBe(200);
    const clash = await upload(c.url, 'shared/other', counter);
    expect(clash.status).toBe(409);
    for (const n of [a, b, c]) n.signal('SIGTERM');
    await Promise.all([a, b, c].map((n) => n.exited));
  });

  it('a reload on one node makes every node rescan its repositories', async () => {
    const store = (redis as RedisServer).url(3);
    const repo = tempDir('taho-repo-');
    const config = join(tempDir('taho-config-'), 'config.toml');
    writeFileSync(config, `[[repositories]]\npath = "${repo}"\n`);
    const a = await startNode(store, { leaseMs: 3000, env: { TAHO_CONFIG: config } });
    const b = await startNode(store, { leaseMs: 3000, env: { TAHO_CONFIG: config } });
    mkdirSync(join(repo, 'fresh'));
    copyFileSync(join(ROOT, 'examples', 'example', 'counter.wasm'), join(repo, 'fresh', 'counter.wasm'));
    expect((await fetch(`${b.url}/api/services/fresh/counter`)).status).toBe(404);
    const reload = await fetch(`${a.url}/api/reload`, { method: 'POST' });
    expect(reload.status).toBe(200);
    // b was not asked: it rescans when it hears of a's reload on the event log.
    await until('node b to serve fresh/counter', async () => (await fetch(`${b.url}/api/services/fresh/counter`)).status === 200);
    for (const n of [a, b]) n.signal('SIGTERM');
    await Promise.all([a, b].map((n) => n.exited));
  });

  it('jobs run on the node holding their lease, submitted through any node; when that node dies another takes the jobs over', async () => {
    const store = (redis as RedisServer).url(2);
    const a = await startNode(store, { leaseMs: 2000 });
    const b = await startNode(store, { leaseMs: 2000 });
    await b.waitFor(/jobs: run by another node/);
    const submit = async (n: ClusterNode) => {
      const r = await fetch(`${n.url}/api/v1/orchestrator/jobs`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(noop) });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-taho-node')).toBe(a.id);
      return ((await r.json()) as { JobID: string }).JobID;
    };
    const first = await submit(b);
    await until('the first job completed', async () => (await jobState(b.url, first)) === 'Completed');
    a.signal('SIGKILL');
    await a.exited;
    // Submitted to b while nobody runs the jobs: it waits for the takeover, then b runs it.
    const r = await fetch(`${b.url}/api/v1/orchestrator/jobs`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(noop) });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-taho-node')).toBe(b.id);
    const second = ((await r.json()) as { JobID: string }).JobID;
    await until('the second job completed', async () => (await jobState(b.url, second)) === 'Completed');
    await b.waitFor(/this node runs the jobs now/);
    b.signal('SIGTERM');
    await b.exited;
  });
});
