import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../redis-server.js';
import { until } from '../until.js';
import { counterCall, incrementKeys, incrementUntilAcked, startNodes, type Acked, type ClusterNode } from './nodes.js';

let redis: RedisServer | undefined;
let nodes: ClusterNode[] = [];
beforeAll(async () => {
  redis = await startRedis();
  nodes = await startNodes(3, redis.url(0));
});
afterAll(async () => {
  await redis?.stop();
});

const AGENTS = 50;
const CALLS = 40;

describe('kill -9 of a cluster node under load', () => {
  it('50 agents × 40 keyed calls spread over three nodes, one killed midway: retried on another node, every call applied once and acknowledged with its first answer', async () => {
    const victim = nodes[2] as ClusterNode;
    let dead = false;
    const live = (): string[] => nodes.filter((n) => !dead || n !== victim).map((n) => n.url);
    const acked = new Map<string, Acked>();
    // Each agent's calls one after another, on the nodes in turn: an agent's answers must be 1..40.
    const load = Promise.all(Array.from({ length: AGENTS }, async (_, a) => {
      for (let i = 0; i < CALLS; i++) {
        const key = `k-${a}-${i}`;
        acked.set(key, await incrementUntilAcked(live, `a${a}`, key, a + i));
      }
    }));
    await until('a third of the calls acknowledged', async () => acked.size >= (AGENTS * CALLS) / 3);
    victim.signal('SIGKILL');
    dead = true;
    await load;

    for (let a = 0; a < AGENTS; a++) {
      expect(Array.from({ length: CALLS }, (_, i) => acked.get(`k-${a}-${i}`)?.value)).toEqual(Array.from({ length: CALLS }, (_, i) => i + 1));
    }
    const retried = [...acked].filter(([, r]) => r.failures > 0);
    expect(retried.length).toBeGreaterThan(0); // the kill did hit calls in flight
    // A retry of an acknowledged call answers what the first did and applies nothing.
    const [first, second] = nodes as [ClusterNode, ClusterNode];
    for (const [key, r] of [...retried, ['k-0-0', acked.get('k-0-0') as Acked] as const]) {
      const agent = `a${key.split('-')[1]}`;
      const again = await counterCall((r.node === first.id ? second : first).url, agent, { key });
      expect({ key, status: again.status, value: again.value }).toEqual({ key, status: 200, value: r.value });
    }
    for (let a = 0; a < AGENTS; a++) {
      const keys = await incrementKeys(first.url, `a${a}`);
      expect(keys).toEqual(Array.from({ length: CALLS }, (_, i) => `k-${a}-${i}`));
      expect((await counterCall(second.url, `a${a}`, { fn: 'get' })).value).toBe(CALLS);
    }
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
