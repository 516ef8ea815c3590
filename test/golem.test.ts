import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';
import { OpenApiCheck } from './openapi-check.js';
import { post, startServer, type Server } from './server-helpers.js';

const work = tempDir('taho-golem-');
let server: Server;
let api: OpenApiCheck;
let counter = '';
let calculator = '';

const worker = (cid: string, name: string) => `${server.url}/v1/components/${cid}/workers/${name}`;
const call = (cid: string, name: string, fn: string, params: unknown[], key?: string, wait = true) =>
  post(`${worker(cid, name)}/${wait ? 'invoke-and-await' : 'invoke'}?function=${encodeURIComponent(fn)}`, { params }, key ? { 'idempotency-key': key } : {});
const AWAIT = '/v1/components/{component_id}/workers/{worker_name}/invoke-and-await';

beforeAll(async () => {
  server = await startServer({ dataDir: join(work, 'data') });
  api = await OpenApiCheck.load(server.url);
  const list = (await (await fetch(`${server.url}/v1/components`)).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
  counter = list.find((c) => c.componentName === 'example/counter')?.versionedComponentId.componentId ?? '';
  calculator = list.find((c) => c.componentName === 'example/calculator')?.versionedComponentId.componentId ?? '';
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('Golem components API', () => {
  it('describes exports with Golem analysed types', async () => {
    const c = (await (await fetch(`${server.url}/v1/components/${calculator}/latest`)).json()) as { metadata: { exports: { name: string; parameters: unknown[]; result?: unknown }[] } };
    const translate = c.metadata.exports.find((e) => e.name === 'translate');
    expect(translate).toEqual({
      type: 'Function', name: 'translate',
      parameters: [
        { name: 'p', typ: { type: 'Record', name: 'point', fields: [{ name: 'x', typ: { type: 'S32' } }, { name: 'y', typ: { type: 'S32' } }] } },
        { name: 'dx', typ: { type: 'S32' } }, { name: 'dy', typ: { type: 'S32' } },
      ],
      result: { typ: { type: 'Record', name: 'point', fields: [{ name: 'x', typ: { type: 'S32' } }, { name: 'y', typ: { type: 'S32' } }] } },
    });
    const missing = await fetch(`${server.url}/v1/components/00000000-0000-4000-8000-000000000000/latest`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: expect.stringContaining('not found') });
  });
});

describe('component uploads', () => {
  it('stores a validated component from multipart or raw bytes and serves it at once', async () => {
    const bytes = readFileSync(join(ROOT, 'examples/example/counter.wasm'));
    const form = new FormData();
    form.append('name', 'shop/tally');
    form.append('component', new Blob([bytes]), 'tally.wasm');
    const r = await fetch(`${server.url}/v1/components`, { method: 'POST', body: form });
    expect(r.status).toBe(200);
    const c = (await r.json()) as { componentName: string; versionedComponentId: { componentId: string } };
    expect(c.componentName).toBe('shop/tally');
    const id = c.versionedComponentId.componentId;
    expect(await (await call(id, 't1', 'increment', [{ value: 2 }])).json()).toMatchObject({ result: { value: 2 } });
    const raw = await fetch(`${server.url}/v1/components?name=tally2`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/wasm' } });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { componentName: string }).componentName).toBe('uploaded/tally2');
  });

  it('refuses what is not a component, a bad name, a missing part and a name taken', async () => {
    const up = (name: string, body: Uint8Array) => fetch(`${server.url}/v1/components?name=${encodeURIComponent(name)}`, { method: 'POST', body, headers: { 'content-type': 'application/wasm' } });
    const junk = await up('junk', new TextEncoder().encode('not wasm at all'));
    expect(junk.status).toBe(400);
    expect(await junk.json()).toMatchObject({ errors: [expect.stringContaining('not a usable WebAssembly component')] });
    const bytes = readFileSync(join(ROOT, 'examples/example/hello.wasm'));
    expect((await up('../../etc/x', bytes)).status).toBe(400);
    expect((await fetch(`${server.url}/v1/components`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/wasm' } })).status).toBe(400);
    expect((await up('dup', bytes)).status).toBe(200);
    const again = await up('dup', bytes);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: expect.stringContaining('exists already') });
  });
});

describe('Golem workers API', () => {
  it('creates an agent on first use, runs invocations in order and returns typed results', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call(counter, 'ordered', 'increment', [{ value: 1 }], `o${i}`)));
    const values = await Promise.all(results.map(async (r) => ((await api.json(r, 'POST', AWAIT)) as { result: { value: number } }).result.value));
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const typed = await call(calculator, 'calc', 'translate', [{ typ: { type: 'Record', fields: [{ name: 'x', typ: { type: 'S32' } }, { name: 'y', typ: { type: 'S32' } }] }, value: { x: 1, y: 1 } }, { value: 2 }, { value: 3 }]);
    expect(await api.json(typed, 'POST', AWAIT)).toMatchObject({ result: { value: { x: 3, y: 4 } } });
    const meta = await fetch(worker(counter, 'ordered'));
    expect(await api.json(meta, 'GET', '/v1/components/{component_id}/workers/{worker_name}')).toMatchObject({ status: 'Idle', pendingInvocationCount: 0 });
  });

  it('creates a worker explicitly with args and env, once', async () => {
    const made = await post(`${server.url}/v1/components/${counter}/workers`, { name: 'made', args: ['a'], env: { K: 'v' } });
    expect(await made.json()).toEqual({ workerId: { componentId: counter, workerName: 'made' }, componentVersion: 0 });
    expect(await (await fetch(worker(counter, 'made'))).json()).toMatchObject({ args: ['a'], env: { K: 'v' }, status: 'Idle' });
    const twice = await post(`${server.url}/v1/components/${counter}/workers`, { name: 'made' });
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({ error: expect.stringContaining('exists already') });
  });

  it('never executes an idempotency key twice', async () => {
    const a = await (await call(counter, 'idem', 'increment', [{ value: 7 }], 'once')).json();
    const b = await (await call(counter, 'idem', 'increment', [{ value: 7 }], 'once')).json();
    expect(a).toEqual(b);
    expect(await (await call(counter, 'idem', 'get', [])).json()).toMatchObject({ result: { value: 7 } });
  });

  it('answers in Golem error shapes', async () => {
    const bad = await call(counter, 'errs', 'increment', [{ typ: { type: 'S8' }, value: 'x' }]);
    expect(bad.status).toBe(400);
    expect(await api.json(bad, 'POST', AWAIT)).toMatchObject({ errors: [expect.stringContaining('parameter `by`')] });
    const fn = await call(counter, 'errs', 'nope', []);
    expect(fn.status).toBe(400);
    // err(e) of a result is a returned value in Golem, not a failure.
    const err = await call(calculator, 'errs', 'div', [{ value: 1 }, { value: 0 }]);
    expect(err.status).toBe(200);
    expect(await api.json(err, 'POST', AWAIT)).toMatchObject({ result: { typ: { type: 'Result' }, value: { err: 'division by zero' } } });
    const failed = await call(calculator, 'errs', 'crash', []);
    expect(failed.status).toBe(500);
    expect(await api.json(failed, 'POST', AWAIT)).toMatchObject({ error: 'Invocation Failed', workerError: { cause: expect.stringContaining('trapped'), stderr: '' } });
    const gone = await fetch(worker(counter, 'never-created'));
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: 'worker never-created not found' });
  });

  it('enqueues with invoke, answers cancel, and lists, shows and deletes agents', async () => {
    expect(await (await call(calculator, 'busy', 'spin', [{ value: 1000 }], 'slow', false)).json()).toEqual({});
    const cancel = await fetch(`${worker(calculator, 'busy')}/invocations/slow`, { method: 'DELETE' });
    expect(await cancel.json()).toEqual({ canceled: false });
    const done = await call(calculator, 'busy', 'add', [{ value: 2 }, { value: 2 }]);
    expect(await done.json()).toMatchObject({ result: { value: 4 } });
    const oplog = (await (await fetch(`${worker(calculator, 'busy')}/oplog?count=100`)).json()) as { entries: { entry: { type: string; functionName?: string } }[] };
    expect(oplog.entries.filter((e) => e.entry.type === 'ExportedFunctionInvoked').map((e) => e.entry.functionName)).toEqual(['spin', 'add']);
    const list = (await (await fetch(`${server.url}/v1/components/${calculator}/workers`)).json()) as { workers: { workerId: { workerName: string } }[] };
    expect(list.workers.map((w) => w.workerId.workerName)).toEqual(expect.arrayContaining(['busy', 'calc', 'errs']));
    expect((await fetch(worker(calculator, 'busy'), { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(worker(calculator, 'busy'))).status).toBe(404);
  });
});

describe('as a client generated from Golem\'s OpenAPI expects (#16)', () => {
  type Component = { componentName: string; versionedComponentId: { componentId: string }; metadata: { binaryWit: string } };

  it('filters components by component-name instead of returning every one', async () => {
    const only = (await api.json(await fetch(`${server.url}/v1/components?component-name=example%2Fcounter`), 'GET', '/v1/components')) as Component[];
    expect(only.map((c) => c.componentName)).toEqual(['example/counter']);
    const none = (await (await fetch(`${server.url}/v1/components?component-name=nope%2Fnothing`)).json()) as Component[];
    expect(none).toEqual([]);
  });

  it('gives every component metadata.binaryWit, Golem\'s required field: the WIT, base64', async () => {
    for (const path of [`/v1/components/${counter}/latest`, `/v1/components/${counter}`]) {
      const res = await fetch(`${server.url}${path}`);
      const body = (await api.json(res, 'GET', path.endsWith('latest') ? '/v1/components/{component_id}/latest' : '/v1/components/{component_id}')) as Component | Component[];
      const c = Array.isArray(body) ? body[0] : body;
      expect(Buffer.from(c?.metadata.binaryWit ?? '', 'base64').toString()).toMatch(/export increment: func\(by: u64\) -> u64;/);
    }
  });

  it('pages the oplog by from/count in Golem\'s public entries, and 404s an unknown worker', async () => {
    await call(counter, 'paged', 'increment', [{ value: 3 }], 'p-1');
    await call(counter, 'paged', 'increment', [{ value: 4 }], 'p-2');
    const OPLOG = '/v1/components/{component_id}/workers/{worker_name}/oplog';
    type Page = { entries: { oplogIndex: number; entry: { type: string; functionName?: string; idempotencyKey?: string; request?: unknown; response?: unknown; timestamp: string } }[]; next?: { nextOplogIndex: number }; firstIndexInChunk: number; lastIndex: number };
    const all = (await api.json(await fetch(`${worker(counter, 'paged')}/oplog?count=100`), 'GET', OPLOG)) as Page;
    expect(all.entries.map((e) => e.entry.type)).toEqual(['Create', 'ExportedFunctionInvoked', 'ExportedFunctionCompleted', 'ExportedFunctionInvoked', 'ExportedFunctionCompleted']);
    expect(all.entries.map((e) => e.oplogIndex)).toEqual([1, 2, 3, 4, 5]);
    expect(all.entries[1]?.entry).toMatchObject({ functionName: 'increment', idempotencyKey: 'p-1', request: [{ typ: { type: 'U64' }, value: 3 }] });
    expect(all.entries[4]?.entry).toMatchObject({ response: { typ: { type: 'U64' }, value: 7 } });
    expect(all.entries.every((e) => !Number.isNaN(Date.parse(e.entry.timestamp)))).toBe(true);
    expect(all).toMatchObject({ firstIndexInChunk: 1, lastIndex: 5 });
    expect(all.next).toBeUndefined();

    const first = (await api.json(await fetch(`${worker(counter, 'paged')}/oplog?count=2`), 'GET', OPLOG)) as Page;
    expect(first.entries.map((e) => e.oplogIndex)).toEqual([1, 2]);
    expect(first.next).toEqual({ nextOplogIndex: 3, currentComponentVersion: 0 });
    const byCursor = (await api.json(await fetch(`${worker(counter, 'paged')}/oplog?count=2&cursor=${encodeURIComponent(JSON.stringify(first.next))}`), 'GET', OPLOG)) as Page;
    expect(byCursor.entries.map((e) => e.oplogIndex)).toEqual([3, 4]);
    const byFrom = (await api.json(await fetch(`${worker(counter, 'paged')}/oplog?from=4&count=10`), 'GET', OPLOG)) as Page;
    expect(byFrom).toMatchObject({ firstIndexInChunk: 4, lastIndex: 5 });
    expect(byFrom.entries.map((e) => e.oplogIndex)).toEqual([4, 5]);

    const unknown = await fetch(`${worker(counter, 'never-made')}/oplog?count=10`);
    expect(unknown.status).toBe(404);
    expect(await api.json(unknown, 'GET', OPLOG)).toMatchObject({ error: 'worker never-made not found', code: 'TAHO_AGENT_NOT_FOUND' });
    expect((await fetch(`${worker(counter, 'paged')}/oplog`)).status).toBe(400); // count is required, as in Golem
  });

  it('records host answers (clock, random) as ImportedFunctionInvoked entries', async () => {
    await call(counter, 'clocked', 'observe', []);
    const page = (await (await fetch(`${worker(counter, 'clocked')}/oplog?count=100`)).json()) as { entries: { entry: { type: string; functionName?: string; durableFunctionType?: unknown } }[] };
    const imported = page.entries.filter((e) => e.entry.type === 'ImportedFunctionInvoked').map((e) => e.entry);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.every((e) => ['wall_clock::now', 'monotonic_clock::now', 'golem random::get_random_u64', 'golem random::get_random_bytes'].includes(e.functionName ?? ''))).toBe(true);
    expect(imported[0]?.durableFunctionType).toEqual({ type: 'ReadLocal' });
  });

  it('takes a component name where Golem takes its id, and says which error by code', async () => {
    const byName = await call('example%2Fcounter', 'named', 'increment', [{ value: 5 }]);
    expect(await byName.json()).toMatchObject({ result: { value: 5 } });
    const again = await call(counter, 'named', 'get', []);
    expect(await again.json()).toMatchObject({ result: { value: 5 } });
    const missing = await call('nope%2Fnothing', 'x', 'get', []);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'TAHO_COMPONENT_NOT_FOUND', hint: expect.any(String) });
  });
});

describe('filters, paging, interrupt and resume', () => {
  it('lists workers with Golem filters and a cursor', async () => {
    for (const n of ['filt-a', 'filt-b', 'filt-c']) await call(counter, n, 'get', []);
    const page = async (query: string) => (await api.json(await fetch(`${server.url}/v1/components/${counter}/workers?${query}`), 'GET', '/v1/components/{component_id}/workers')) as { workers: { workerId: { workerName: string } }[]; cursor?: { layer: number; cursor: number } };
    const like = await page('filter=name%20like%20filt-');
    expect(like.workers.map((w) => w.workerId.workerName).sort()).toEqual(['filt-a', 'filt-b', 'filt-c']);
    const two = await page('filter=name%20like%20filt-&filter=name%20!%3D%20filt-b');
    expect(two.workers.map((w) => w.workerId.workerName).sort()).toEqual(['filt-a', 'filt-c']);
    const first = await page('filter=name%20like%20filt-&count=2');
    expect(first.workers).toHaveLength(2);
    // Golem's ScanCursor comes back as an object (a place in creation order, not an offset); its
    // clients send it as `layer/cursor`.
    expect(first.cursor).toEqual({ layer: 0, cursor: expect.any(Number) });
    const rest = await page(`filter=name%20like%20filt-&count=2&cursor=${first.cursor?.layer}/${first.cursor?.cursor}`);
    expect(rest.workers).toHaveLength(1);
    expect([...first.workers, ...rest.workers].map((w) => w.workerId.workerName).sort()).toEqual(['filt-a', 'filt-b', 'filt-c']);
    expect(rest.cursor).toBeUndefined();
    const bad = await fetch(`${server.url}/v1/components/${counter}/workers?filter=colour%20%3D%20red`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: [expect.stringContaining('invalid filter')] });
  });

  it('finds workers with Golem JSON filter trees (And, Or, Not, Env) and a cursor object', async () => {
    for (const [n, team] of [['find-a', 'red'], ['find-b', 'blue'], ['find-c', 'red']] as const) {
      expect((await post(`${server.url}/v1/components/${counter}/workers`, { name: n, args: [], env: { TEAM: team } })).status).toBeLessThan(300);
    }
    const FIND = '/v1/components/{component_id}/workers/find';
    const find = async (body: unknown) => {
      const res = await post(`${server.url}/v1/components/${counter}/workers/find`, body);
      return { status: res.status, body: await api.json(res, 'POST', FIND) as { workers: { workerId: { workerName: string }; env: Record<string, string> }[]; cursor?: { cursor: number; layer: number }; errors?: string[] } };
    };
    const names = (r: { body: { workers: { workerId: { workerName: string } }[] } }) => r.body.workers.map((w) => w.workerId.workerName).sort();
    const prefix = { type: 'Name', comparator: 'StartsWith', value: 'find-' };
    expect(names(await find({ filter: prefix }))).toEqual(['find-a', 'find-b', 'find-c']);
    const red = await find({ filter: { type: 'And', filters: [prefix, { type: 'Env', name: 'TEAM', comparator: 'Equal', value: 'red' }] } });
    expect(names(red)).toEqual(['find-a', 'find-c']);
    expect(names(await find({ filter: { type: 'And', filters: [prefix, { type: 'Not', filter: { type: 'Name', comparator: 'Equal', value: 'find-a' } }] } }))).toEqual(['find-b', 'find-c']);
    expect(names(await find({ filter: { type: 'Or', filters: [{ type: 'Name', comparator: 'Equal', value: 'find-a' }, { type: 'Name', comparator: 'Equal', value: 'find-b' }] } }))).toEqual(['find-a', 'find-b']);
    const first = await find({ filter: prefix, count: 2 });
    expect(first.body.workers).toHaveLength(2);
    expect(first.body.cursor).toEqual({ cursor: expect.any(Number), layer: 0 });
    const rest = await find({ filter: prefix, count: 2, cursor: first.body.cursor });
    expect(rest.body.workers).toHaveLength(1);
    expect([...names(first), ...names(rest)].sort()).toEqual(['find-a', 'find-b', 'find-c']);
    expect(rest.body.cursor).toBeUndefined();
    // The string form reads env too.
    const env = await fetch(`${server.url}/v1/components/${counter}/workers?filter=env.TEAM%20%3D%20blue`);
    expect(((await env.json()) as { workers: { workerId: { workerName: string } }[] }).workers.map((w) => w.workerId.workerName)).toEqual(['find-b']);
    const bad = await find({ filter: { type: 'Colour', comparator: 'Equal', value: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [expect.stringContaining('unknown filter type "Colour"')] });
    const badCmp = await find({ filter: { type: 'And', filters: [{ type: 'Name', comparator: 'Around', value: 'x' }] } });
    expect(badCmp.body).toMatchObject({ errors: [expect.stringContaining('filter.filters[0]: comparator must be one of')] });
  });

  it('interrupts an agent (it shows Interrupted), and resumes it with its state', async () => {
    await call(counter, 'pause', 'increment', [{ value: 3 }]);
    expect((await fetch(`${worker(counter, 'pause')}/interrupt`, { method: 'POST' })).status).toBe(200);
    expect(await (await fetch(worker(counter, 'pause'))).json()).toMatchObject({ status: 'Interrupted' });
    expect((await fetch(`${worker(counter, 'pause')}/resume`, { method: 'POST' })).status).toBe(200);
    expect(await (await fetch(worker(counter, 'pause'))).json()).toMatchObject({ status: 'Idle' });
    expect(await (await call(counter, 'pause', 'get', [])).json()).toMatchObject({ result: { value: 3 } });
  });
});

describe('invoke timeout', () => {
  it('stops an agent call that never returns with a 504, and the server and agent go on', async () => {
    const s = await startServer({ dataDir: join(work, 'timeout'), env: { TAHO__LIMITS__INVOKE_TIMEOUT_MS: '400' } });
    try {
      const at = (fn: string) => `${s.url}/v1/components/${calculator}/workers/spinner/invoke-and-await?function=${fn}`;
      expect((await post(at('add'), { params: [{ value: 2 }, { value: 3 }] })).status).toBe(200);
      const spun = await post(at('spin'), { params: [{ value: 0 }] }, { 'idempotency-key': 'forever' });
      expect(spun.status).toBe(504);
      expect(await spun.json()).toMatchObject({ error: expect.stringContaining('did not answer within 400 ms') });
      // Same key, same answer, nothing run again; the agent still serves.
      expect((await post(at('spin'), { params: [{ value: 0 }] }, { 'idempotency-key': 'forever' })).status).toBe(504);
      const sum = await post(at('add'), { params: [{ value: 4 }, { value: 5 }] });
      expect(await sum.json()).toMatchObject({ result: { value: 9 } });
      const oplog = await (await fetch(`${s.url}/v1/components/${calculator}/workers/spinner/oplog?count=50`)).json() as { entries: unknown[] };
      expect(JSON.stringify(oplog)).toContain('TAHO_INVOKE_TIMEOUT');
    } finally {
      await s.stop();
    }
  }, 60_000);
});

describe('durability', () => {
  it('survives a SIGKILL during replay itself', async () => {
    const dataDir = join(work, 'replay-kill');
    let s = await startServer({ dataDir });
    const list = (await (await fetch(`${s.url}/v1/components`)).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
    const cid = list.find((c) => c.componentName === 'example/counter')?.versionedComponentId.componentId ?? '';
    const url = (base: string, fn: string) => `${base}/v1/components/${cid}/workers/long/invoke-and-await?function=${fn}`;
    const send = (base: string, fn: string, params: unknown[], key?: string) => fetch(url(base, fn), {
      method: 'POST', body: JSON.stringify({ params }), headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    });
    let n = 0;
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (n < 3000) {
        const i = n++;
        await (await send(s.url, 'increment', [{ value: 1 }], `fill-${i}`)).arrayBuffer();
      }
    }));
    await s.stop();
    // The first call after a start replays 3 000 entries; kill the server while it does.
    s = await startServer({ dataDir });
    const during = send(s.url, 'increment', [{ value: 1 }], 'during-replay').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 15));
    s.process.kill('SIGKILL');
    await during;
    await s.stop().catch(() => undefined);
    s = await startServer({ dataDir });
    try {
      expect((await send(s.url, 'increment', [{ value: 1 }], 'during-replay')).status).toBe(200);
      expect(await (await send(s.url, 'get', [])).json()).toMatchObject({ result: { value: 3001 } });
    } finally {
      await s.stop();
    }
  }, 120_000);

  it('keeps every acknowledged increment exactly once across SIGKILL and retries', async () => {
    const dataDir = join(work, 'crash');
    let s = await startServer({ dataDir });
    const list = (await (await fetch(`${s.url}/v1/components`)).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
    const cid = list.find((c) => c.componentName === 'example/counter')?.versionedComponentId.componentId ?? '';
    const TOTAL = 1000;
    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    const inc = (url: string, i: number) => fetch(`${url}/v1/components/${cid}/workers/crash/invoke-and-await?function=increment`, {
      method: 'POST', body: JSON.stringify({ params: [{ value: 1 }] }), headers: { 'content-type': 'application/json', 'idempotency-key': `inc-${i}` },
    });
    const client = async (url: string) => {
      while (next < TOTAL && !killed) {
        const i = next++;
        try {
          const r = await inc(url, i);
          if (r.status === 200) acked.add(i);
          await r.arrayBuffer();
        } catch {
          // the server died under this call: it stays unacknowledged and is retried below
        }
      }
    };
    const clients = Promise.all(Array.from({ length: 20 }, () => client(s.url)));
    while (acked.size < 300) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    s.process.kill('SIGKILL');
    await clients;
    await s.stop().catch(() => undefined);
    expect(acked.size).toBeLessThan(TOTAL);

    s = await startServer({ dataDir });
    try {
      for (let i = 0; i < TOTAL; i++) {
        if (acked.has(i)) continue;
        const r = await inc(s.url, i);
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
      // Retrying acknowledged keys too must change nothing.
      for (const i of [...acked].slice(0, 50)) expect((await inc(s.url, i)).status).toBe(200);
      const get = await fetch(`${s.url}/v1/components/${cid}/workers/crash/invoke-and-await?function=get`, { method: 'POST', body: '{"params":[]}', headers: { 'content-type': 'application/json' } });
      expect(await get.json()).toMatchObject({ result: { value: TOTAL } });
    } finally {
      await s.stop();
    }
  }, 120_000);
});
