import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { startRedis, type RedisServer } from '../redis-server.js';
import { startServer, type Server } from '../server-helpers.js';

let redis: RedisServer | undefined;
let server: Server | undefined;
afterAll(async () => {
  await server?.stop().catch(() => undefined);
  await redis?.stop();
});

interface Ready {
  readonly status: string;
  readonly redis: string;
  readonly store: string;
  readonly store_location: string;
  readonly reason?: string;
  readonly hint?: string;
}

/** Asks /ready until it answers `status`: the store's state is what the test waits for. */
async function readyUntil(url: string, status: number): Promise<Ready> {
  for (;;) {
    const r = await fetch(`${url}/ready`);
    const body = (await r.json()) as Ready;
    if (r.status === status) return body;
  }
}

describe('taho serve on a Redis store', () => {
  it('/ready tells whether Redis is reachable through a kill -9 and restart of redis-server, and recovers by itself; the server stops cleanly while Redis is down', async () => {
    redis = await startRedis();
    const url = redis.url(1);
    server = await startServer({ dataDir: tempDir(), env: { TAHO__STORE__URL: url } });
    expect(await readyUntil(server.url, 200)).toMatchObject({ status: 'ready', redis: 'connected', store: 'redis', store_location: url });
    await redis.kill9();
    const down = await readyUntil(server.url, 503);
    expect(down).toMatchObject({ status: 'not_ready', redis: 'disconnected', store: 'redis' });
    expect(down.reason).toContain(`cannot reach the Redis store at ${url}`);
    expect(down.hint).toMatch(/Start Redis/);
    await redis.restart();
    expect(await readyUntil(server.url, 200)).toMatchObject({ status: 'ready', redis: 'connected' });
    await redis.kill9();
    const stopped = await server.stop();
    server = undefined;
    expect(stopped.exitCode).toBe(0);
  });
});
