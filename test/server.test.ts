import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers.js';
import { OpenApiCheck } from './openapi-check.js';
import { closedPort, post, startServer, type Server } from './server-helpers.js';

// A server of our own repository (so reload has something to change) plus the examples.
const work = tempDir('taho-server-');
const repo = join(work, 'repo');
const dataDir = join(work, 'data');
mkdirSync(join(repo, 'demo'), { recursive: true });
writeFileSync(join(work, 'config.toml'), [
  '[limits]', 'body_limit_bytes = 4096', 'invoke_timeout_ms = 1500',
  '[[repositories]]', 'path = "repo"', '',
].join('\n'));
copyFileSync(join(ROOT, 'examples/example/hello.wasm'), join(repo, 'demo', 'hi.wasm'));

let server: Server;
let api: OpenApiCheck;
const svc = (path: string) => `${server.url}/api/services/${path}`;

beforeAll(async () => {
  server = await startServer({ dataDir, cwd: work });
  api = await OpenApiCheck.load(server.url);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const INVOKE = '/api/services/{domain}/{service}/invoke/{method}';

describe('POST /api/services/{domain}/{service}/invoke/{method}', () => {
  it('takes a lone value, an array (positional) or an object (by name)', async () => {
    expect(await api.json(await post(svc('example/hello/invoke/greet'), 'World'), 'POST', INVOKE)).toEqual({ result: 'Hello, World!' });
    expect(await api.json(await post(svc('example/calculator/invoke/add'), [2, 3]), 'POST', INVOKE)).toEqual({ result: 5 });
    expect(await api.json(await post(svc('example/calculator/invoke/add'), { b: 1, a: 41 }), 'POST', INVOKE)).toEqual({ result: 42 });
    const r = await post(svc('example/calculator/invoke/translate'), { p: { x: 1, y: 2 }, dx: 1, dy: 1 });
    expect(await api.json(r, 'POST', INVOKE)).toEqual({ result: { x: 2, y: 3 } });
  });

  it('fills a list<u8> parameter from octet-stream and answers bytes', async () => {
    const r = await post(svc('example/calculator/invoke/reverse-bytes'), new Uint8Array([1, 2, 3, 250]));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect([...new Uint8Array(await r.arrayBuffer())]).toEqual([250, 3, 2, 1]);
    const j = await post(svc('example/calculator/invoke/reverse-bytes'), [[1, 2]], { accept: 'application/json' });
    expect(await api.json(j, 'POST', INVOKE)).toEqual({ result: [2, 1] });
  });

  it('streams a list result as NDJSON lines, or SSE events that resume after Last-Event-ID', async () => {
    const nd = await post(svc('example/calculator/invoke/countdown'), 3, { accept: 'application/x-ndjson' });
    expect(nd.headers.get('content-type')).toContain('application/x-ndjson');
    expect(await nd.text()).toBe('3\n2\n1\n');
    const sse = await post(svc('example/calculator/invoke/countdown'), 3, { accept: 'text/event-stream', 'last-event-id': '1' });
    expect(await sse.text()).toBe('id: 2\ndata: 2\n\nid: 3\ndata: 1\n\n');
  });

  it('answers 404 naming what exists', async () => {
    const s = await api.json(await post(svc('example/nope/invoke/greet'), 'x'), 'POST', INVOKE);
    expect(s).toMatchObject({ error: { code: 'TAHO_SERVICE_NOT_FOUND', details: { services: expect.arrayContaining(['example/hello', 'demo/hi']) } } });
    const m = await post(svc('example/hello/invoke/shout'), 'x');
    expect(m.status).toBe(404);
    expect(await api.json(m, 'POST', INVOKE)).toMatchObject({ error: { code: 'TAHO_METHOD_NOT_FOUND', message: expect.stringContaining('it has: greet') } });
  });

  it('answers 400 for bad JSON and for arguments of the wrong type', async () => {
    const bad = await fetch(svc('example/hello/invoke/greet'), { method: 'POST', body: '{oops', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(await api.json(bad, 'POST', INVOKE)).toMatchObject({ error: { code: 'TAHO_BAD_JSON' } });
    const args = await post(svc('example/calculator/invoke/add'), [1, 'two']);
    expect(args.status).toBe(400);
    expect(await api.json(args, 'POST', INVOKE)).toMatchObject({ error: { message: 'parameter `b` of add expects s32, got "two"' } });
    const range = await post(svc('example/calculator/invoke/is-even'), -1);
    expect(await api.json(range, 'POST', INVOKE)).toMatchObject({ error: { code: 'TAHO_BAD_ARGUMENTS', message: expect.stringContaining('u64') } });
  });

  it('answers 413 past the body limit', async () => {
    const r = await post(svc('example/hello/invoke/greet'), 'x'.repeat(5000));
    expect(r.status).toBe(413);
    expect(await api.json(r, 'POST', INVOKE)).toMatchObject({ error: { code: 'TAHO_BODY_TOO_LARGE' } });
  });

  it('answers 500 with the message of a component error or a trap, and keeps serving', async () => {
    const e = await post(svc('example/calculator/invoke/div'), [1, 0]);
    expect(e.status).toBe(500);
    expect(await api.json(e, 'POST', INVOKE)).toMatchObject({ error: { code: 'TAHO_COMPONENT_ERROR', details: { error: 'division by zero' } } });
    const t = await post(svc('example/calculator/invoke/crash'));
    expect(t.status).toBe(500);
    expect(await api.json(t, 'POST', INVOKE)).toMatchObject({ error: { code: 'TAHO_COMPONENT_TRAP', message: expect.stringContaining('unreachable') } });
    expect(await (await post(svc('example/calculator/invoke/add'), [1, 1])).json()).toEqual({ result: 2 });
  });

  it('stops a runaway call at the invoke timeout with 504 while other calls go on', async () => {
    const runaway = post(svc('example/calculator/invoke/spin'), 0);
    // The calls below must queue behind the runaway: wait until the service has accepted it.
    await vi.waitUntil(async () => ((await (await fetch(svc('example/calculator'))).json()) as { inFlight: number }).inFlight > 0, { timeout: 60_000, interval: 20 });
    // Calls queued behind the runaway on the same service never started: they must run on the
    // replacement instance, not fail with it.
    const queued = Array.from({ length: 5 }, (_, i) => post(svc('example/calculator/invoke/add'), [i, 1]));
    const others = await Promise.all(Array.from({ length: 5 }, () => post(svc('example/hello/invoke/greet'), 'meanwhile')));
    for (const o of others) expect(o.status).toBe(200);
    const r = await runaway;
    expect(await Promise.all(queued.map(async (q) => ((await (await q).json()) as { result: number }).result))).toEqual([1, 2, 3, 4, 5]);
    expect(r.status).toBe(504);
    expect(await api.json(r, 'POST', INVOKE)).toMatchObject({ error: { code: 'TAHO_INVOKE_TIMEOUT' } });
    expect(await (await post(svc('example/calculator/invoke/add'), [2, 2])).json()).toEqual({ result: 4 });
  });

  it('runs concurrent invocations without mixing them up', async () => {
    const calls = Array.from({ length: 100 }, (_, i) => post(svc('example/calculator/invoke/add'), [i, 1000]));
    const results = await Promise.all(calls.map(async (c) => ((await (await c).json()) as { result: number }).result));
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i + 1000));
  });
});

describe('restart, quiesce, reload', () => {
  it('restarts under concurrent load with zero failed requests', async () => {
    let stop = false;
    const failures: string[] = [];
    let done = 0;
    const load = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const r = await post(svc('example/hello/invoke/greet'), 'load');
        if (r.status !== 200) failures.push(`${r.status} ${await r.text()}`);
        else await r.arrayBuffer();
        done += 1;
      }
    });
    for (let i = 0; i < 3; i++) {
      const r = await post(svc('example/hello/restart'), { greeting: i });
      expect(await api.json(r, 'POST', '/api/services/{domain}/{service}/restart')).toEqual({ status: 'Service restarted with new configuration' });
    }
    const plain = await post(svc('example/hello/restart'));
    expect(await plain.json()).toEqual({ status: 'Service restarted successfully' });
    stop = true;
    await Promise.all(load);
    expect(failures).toEqual([]);
    expect(done).toBeGreaterThan(20);
  });

  it('quiesces: new calls get 503 with Retry-After until a restart', async () => {
    const q = await fetch(svc('demo/hi/quiesce'), { method: 'PUT' });
    expect(await api.json(q, 'PUT', '/api/services/{domain}/{service}/quiesce')).toEqual({ status: 'quiesced' });
    const r = await post(svc('demo/hi/invoke/greet'), 'x');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(await api.json(r, 'POST', INVOKE)).toMatchObject({ error: { code: 'TAHO_SERVICE_UNAVAILABLE' } });
    const info = await fetch(svc('demo/hi'));
    expect(await api.json(info, 'GET', '/api/services/{domain}/{service}')).toMatchObject({ state: 'stopped' });
    await post(svc('demo/hi/restart'));
    expect(await (await post(svc('demo/hi/invoke/greet'), 'back')).json()).toEqual({ result: 'Hello, back!' });
  });

  it('reload reports what was added, updated and removed, and failures as partial', async () => {
    copyFileSync(join(ROOT, 'examples/example/calculator.wasm'), join(repo, 'demo', 'calc.wasm'));
    const r1 = await api.json(await post(`${server.url}/api/reload`), 'POST', '/api/reload');
    expect(r1).toMatchObject({ status: 'success', added: ['demo.calc'], newly_loaded: ['demo.calc'], updated: [], removed: [] });
    copyFileSync(join(ROOT, 'examples/example/calculator.wasm'), join(repo, 'demo', 'hi.wasm'));
    rmSync(join(repo, 'demo', 'calc.wasm'));
    writeFileSync(join(repo, 'demo', 'broken.wasm'), 'no');
    const r2 = await api.json(await post(`${server.url}/api/reload`), 'POST', '/api/reload');
    expect(r2).toMatchObject({ status: 'partial', added: [], updated: ['demo.hi'], removed: ['demo.calc'], errors: [{ component: 'demo.broken' }] });
    expect(await (await post(svc('demo/hi/invoke/add'), [1, 2])).json()).toEqual({ result: 3 });
    rmSync(join(repo, 'demo', 'broken.wasm'));
  });

  it('lists services and one service with state, version and signatures', async () => {
    const all = (await api.json(await fetch(`${server.url}/api/services`), 'GET', '/api/services')) as { id: string }[];
    expect(all.map((s) => s.id)).toEqual(expect.arrayContaining(['example.hello', 'example.calculator']));
    const one = await api.json(await fetch(svc('example/calculator')), 'GET', '/api/services/{domain}/{service}');
    expect(one).toMatchObject({ id: 'example.calculator', version: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((one as { methods: { signature: string }[] }).methods.map((m) => m.signature)).toContain('div: func(a: s32, b: s32) -> result<s32, string>');
    const missing = await fetch(svc('example/none'));
    expect(missing.status).toBe(404);
  });
});

describe('system routes', () => {
  it('answers health and readiness, with aliases', async () => {
    for (const path of ['/health', '/healthz']) {
      expect(await api.json(await fetch(`${server.url}${path}`), 'GET', path)).toMatchObject({ status: 'ok', uptime_secs: expect.any(Number) });
    }
    for (const path of ['/ready', '/readyz']) {
      expect(await api.json(await fetch(`${server.url}${path}`), 'GET', path)).toMatchObject({ status: 'ready' });
    }
  });

  it('serves an OpenAPI 3.1 document generated from the routes', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([INVOKE, '/api/reload', '/health', '/ready']));
    expect(api.checked).toBeGreaterThan(20);
  });

  it('answers CORS preflight', async () => {
    const r = await fetch(svc('example/hello/invoke/greet'), { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('the CLI against the server', () => {
  it('sends commands to --url', async () => {
    const r = await runCli(['invoke', 'example/hello', 'greet', 'World', '--url', server.url], { env: { TAHO_DATA_DIR: tempDir() } });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'Hello, World!' });
    const e = await runCli(['invoke', 'example/calculator', 'div', '1', '0', '--url', server.url]);
    expect(e.exitCode).toBe(1);
    expect(e.stderr).toContain('Error: example/calculator div returned an error: division by zero');
  });

  it('finds the server of its data directory by itself', async () => {
    const r = await runCli(['services', '--json'], { cwd: work, env: { TAHO_DATA_DIR: dataDir } });
    const services = JSON.parse(r.stdout) as { id: string; state: string }[];
    // Only a running server knows a state other than idle for a service it has called.
    expect(services.find((s) => s.id === 'example.hello')?.state).toBe('ready');
  });

  it('says clearly when the server cannot be reached', async () => {
    const port = await closedPort();
    const r = await runCli(['services', '--url', `http://127.0.0.1:${port}`]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`Error: cannot reach taho at http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});

describe('shutdown', () => {
  it('drains a call in flight on SIGTERM and exits 0', async () => {
    const own = await startServer({ dataDir: join(work, 'drain') });
    const slow = post(`${own.url}/api/services/example/calculator/invoke/spin`, 300_000_000);
    // The call is in flight once its component is transpiled (a fresh data directory's first
    // call): wait for that line rather than guessing how long a loaded machine takes to get there.
    while (!own.output().includes('transpiled example.calculator')) await new Promise((r) => setTimeout(r, 20));
    const stopped = own.stop('SIGTERM');
    const r = await slow;
    expect(r.status).toBe(200);
    const { exitCode, output } = await stopped;
    expect(exitCode).toBe(0);
    expect(output).toContain('taho: stopped');
  });
});
