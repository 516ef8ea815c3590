import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../src/core/auth/api-keys.js';
import { tempDir } from './helpers.js';
import { getFrom, loopbackAliases, startServer, type Server } from './server-helpers.js';
import { until } from './until.js';

// One client must not be able to take what every client needs: connections, memory.

interface Held { readonly sockets: Socket[]; readonly closed: () => number; readonly received: () => string[] }

/** Opens `n` connections from one address and sends `payload` on each (nothing: an idle socket). */
async function hold(port: number, localAddress: string, n: number, payload = ''): Promise<Held> {
  const sockets: Socket[] = [];
  const data: string[] = [];
  let closed = 0;
  for (let i = 0; i < n; i++) {
    const s = connect({ port, host: '127.0.0.1', localAddress });
    data.push('');
    s.on('data', (d) => { data[i] += d.toString(); });
    s.on('error', () => undefined);
    s.on('close', () => { closed += 1; });
    await new Promise<void>((resolve) => {
      s.once('connect', () => resolve());
      s.once('close', () => resolve());
    });
    if (payload) s.write(payload);
    sockets.push(s);
  }
  return { sockets, closed: () => closed, received: () => data };
}

const aliases = await loopbackAliases();
if (!aliases) console.warn('skipping the connection tests: they need 127.0.0.2-9 as loopback addresses (Linux has them)');

describe.skipIf(!aliases)('connections', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    const dir = tempDir('taho-faults-');
    writeFileSync(join(dir, 'config.toml'), '[limits]\nmax_connections = 100\nmax_connections_per_client = 25\n');
    server = await startServer({ dataDir: join(dir, 'data'), cwd: dir });
    port = Number(new URL(server.url).port);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps /health and /ready answering while one client holds 110 idle sockets', async () => {
    const flood = await hold(port, '127.0.0.1', 110);
    try {
      // The client keeps its 25 newest sockets; the server closed the others as new ones came.
      await until('the server closed the 85 oldest idle sockets', () => flood.closed() >= 85);
      for (const from of ['127.0.0.2', '127.0.0.1']) {
        for (const path of ['/health', '/ready']) expect((await getFrom(from, `${server.url}${path}`)).status, `${path} from ${from}`).toBe(200);
      }
    } finally {
      flood.sockets.forEach((s) => s.destroy());
    }
  });

  it('refuses a client whose sockets are all busy with a 503 and Retry-After, and serves others', async () => {
    // Event streams: each connection is busy as long as it is open, which its response headers show.
    const streams = await hold(port, '127.0.0.3', 25, 'GET /v1/events?after=latest HTTP/1.1\r\nHost: x\r\n\r\n');
    try {
      await until('every stream answered', () => streams.received().every((d) => d.startsWith('HTTP/1.1 200')));
      const refused = await hold(port, '127.0.0.3', 1);
      await until('the extra connection was answered and closed', () => refused.closed() === 1);
      const answer = refused.received()[0] ?? '';
      expect(answer).toMatch(/^HTTP\/1\.1 503/);
      expect(answer).toMatch(/Retry-After: \d+/);
      expect(answer).toContain('"TAHO_SERVICE_UNAVAILABLE"');
      expect((await getFrom('127.0.0.4', `${server.url}/health`)).status).toBe(200);
    } finally {
      streams.sockets.forEach((s) => s.destroy());
    }
  });

  it('closes the longest-waiting sockets near max_connections, so a new client still gets in', async () => {
    const held: Held[] = [];
    try {
      // Four clients at their per-client cap: 100 sockets, the server's whole cap.
      for (const from of ['127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8']) held.push(await hold(port, from, 25));
      expect((await getFrom('127.0.0.9', `${server.url}/health`)).status).toBe(200);
      await until('the server closed idle sockets to make room', () => held.reduce((n, h) => n + h.closed(), 0) > 0);
    } finally {
      held.forEach((h) => h.sockets.forEach((s) => s.destroy()));
    }
  });
});

describe('durable agents under a memory budget', () => {
  let server: Server;
  let calculator = '';
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    const dir = tempDir('taho-faults-');
    const entries: string[] = [];
    for (const name of ['alice', 'bob']) {
      const k = await generateKey(['admin']);
      keys[name] = k.key;
      entries.push(`[[http.auth.keys]]\nname = "${name}"\nhash = "${k.hash}"\nscopes = ["admin"]\n`);
    }
    writeFileSync(join(dir, 'config.toml'), [
      '[limits]', 'invoke_timeout_ms = 2000',
      '[agents]', 'max_memory = "512KiB"', 'max_new_per_minute = 4',
      '[http.auth]', 'mode = "api_key"', ...entries,
    ].join('\n'));
    server = await startServer({ dataDir: join(dir, 'data'), cwd: dir });
    const list = (await (await fetch(`${server.url}/v1/components`, { headers: { authorization: `Bearer ${keys.alice}` } })).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
    calculator = list.find((c) => c.componentName === 'example/calculator')?.versionedComponentId.componentId ?? '';
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  const call = (who: string, agent: string, fn: string, params: unknown[], mode = 'invoke-and-await') => fetch(`${server.url}/v1/components/${calculator}/workers/${agent}/${mode}?function=${fn}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys[who]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ params: params.map((value) => ({ value })) }),
  });
  const meta = async (agent: string) => (await (await fetch(`${server.url}/v1/components/${calculator}/workers/${agent}`, { headers: { authorization: `Bearer ${keys.alice}` } })).json()) as { status: string; totalLinearMemorySize: number };

  it('evicts idle agents first, and answers a new activation 503 + Retry-After in Golem\'s shape while busy ones fill the budget', async () => {
    // reverse-bytes copies its argument and its result into the instance's memory, which keeps that size.
    const big = Array.from({ length: 400_000 }, (_, i) => i % 256);
    expect((await call('alice', 'big', 'reverse-bytes', [big])).status).toBe(200);
    expect((await meta('big')).totalLinearMemorySize).toBeGreaterThan(512 * 1024);
    // Idle and over the budget: a new agent's activation evicts it.
    expect((await call('alice', 'small', 'add', [1, 2])).status).toBe(200);
    expect((await meta('big')).totalLinearMemorySize).toBe(0);
    // Busy (rebuilt, then spinning until the invoke timeout) and over the budget: nothing can be evicted.
    expect((await call('alice', 'big', 'spin', [0], 'invoke')).status).toBe(200);
    await until('big is rebuilt and spinning', async () => (await meta('big')).totalLinearMemorySize > 512 * 1024);
    const refused = await call('alice', 'small', 'add', [1, 2]);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: expect.stringContaining('none is idle'), code: 'TAHO_SERVICE_UNAVAILABLE' });
    // The runaway call is stopped at the invoke timeout; its memory goes with its thread.
    await until('big is stopped', async () => (await meta('big')).status !== 'Running');
    expect((await call('alice', 'small', 'add', [1, 2])).status).toBe(200);
  });

  it('lets an API key create only max_new_per_minute new agents a minute, with 429 + Retry-After past it', async () => {
    const statuses: number[] = [];
    // alice made `big` and `small` already: two more new ones are allowed, then she is refused.
    for (const name of ['n1', 'n2', 'n3']) statuses.push((await call('alice', name, 'add', [1, 1])).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await call('alice', 'n4', 'add', [1, 1]);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: expect.stringContaining('too many new agents'), code: 'TAHO_RATE_LIMITED' });
    // Existing agents still answer her, and another key has its own allowance.
    expect((await call('alice', 'n1', 'add', [1, 1])).status).toBe(200);
    expect((await call('bob', 'b1', 'add', [1, 1])).status).toBe(200);
  });
});
