import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../redis-server.js';
import { until } from '../until.js';
import { counterCall, incrementKeys, incrementUntilAcked, readyUntil, startNodes, type Acked, type ClusterNode } from './nodes.js';

let redis: RedisServer | undefined;
let nodes: ClusterNode[] = [];
beforeAll(async () => {
  redis = await startRedis();
  nodes = await startNodes(2, redis.url(0));
});
afterAll(async () => {
  await redis?.stop();
});

const AGENTS = 10;
const CALLS = 30;

describe('kill -9 of redis-server under a cluster', () => {
  it('loses nothing acknowledged; /ready says not_ready while Redis is down and ready after; the nodes reconnect by themselves and serve on', async () => {
    const server = redis as RedisServer;
    const urls = (): string[] => nodes.map((n) => n.url);
    const acked = new Map<string, Acked>();
    const load = Promise.all(Array.from({ length: AGENTS }, async (_, a) => {
      for (let i = 0; i < CALLS; i++) {
        const key = `k-${a}-${i}`;
        acked.set(key, await incrementUntilAcked(urls, `r${a}`, key, a + i));
      }
    }));
    await until('a quarter of the calls acknowledged', async () => acked.size >= (AGENTS * CALLS) / 4);
    await server.kill9();
    for (const n of nodes) {
      expect(await readyUntil(n.url, 503)).toMatchObject({ status: 'not_ready', redis: 'disconnected' });
    }
    await server.restart();
    for (const n of nodes) {
      expect(await readyUntil(n.url, 200)).toMatchObject({ status: 'ready', redis: 'connected' });
    }
    await load;

    const [a, b] = nodes as [ClusterNode, ClusterNode];
    for (let r = 0; r < AGENTS; r++) {
      expect(Array.from({ length: CALLS }, (_, i) => acked.get(`k-${r}-${i}`)?.value)).toEqual(Array.from({ length: CALLS }, (_, i) => i + 1));
      expect(await incrementKeys(a.url, `r${r}`)).toEqual(Array.from({ length: CALLS }, (_, i) => `k-${r}-${i}`));
      expect((await counterCall(b.url, `r${r}`, { fn: 'get' })).value).toBe(CALLS);
    }
    expect([...acked.values()].some((r) => r.failures > 0)).toBe(true); // the outage did hit calls
  });
});
