import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../redis-server.js';
import { until } from '../until.js';
import { agentOwnedBy, counterCall, incrementKeys, incrementUntilAcked, ownerOf, startNodes, type Acked, type ClusterNode } from './nodes.js';

let redis: RedisServer | undefined;
let nodes: ClusterNode[] = [];
beforeAll(async () => {
  redis = await startRedis();
  nodes = await startNodes(3, redis.url(0));
});
afterAll(async () => {
  await redis?.stop();
});

describe('three taho serve nodes on one Redis', () => {
  it('any node serves any agent with one counter; every node lists the nodes; SIGTERM hands a node\'s shards over with no failed or lost call', async () => {
    const ids = nodes.map((n) => n.id);
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    // An agent the first node owns once the three have split the shards.
    const agent = await agentOwnedBy(a.url, a.id, ids, 'seq-');
    await until('node a to own the agent', async () => (await ownerOf(c.url, agent)).node === a.id);

    const values: number[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await counterCall(nodes[i % 3]?.url ?? '', agent);
      expect(r).toMatchObject({ status: 200, node: a.id });
      values.push(r.value ?? 0);
    }
    expect(values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);

    for (const n of nodes) {
      const res = await fetch(`${n.url}/api/v1/orchestrator/nodes`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { Nodes: { Info: { NodeID: string } }[] };
      expect(body.Nodes.map((x) => x.Info.NodeID)).toEqual(expect.arrayContaining(ids));
    }

    // Calls go on through b and c while a leaves: each waits for the next owner instead of failing.
    const from = a.output().length;
    let stop = false;
    const seen: { status: number; value: number | undefined; node: string }[] = [];
    const load = (async () => {
      // Until a has gone and three calls in a row ran on the new owner.
      for (let i = 0; !stop || seen.slice(-3).some((s) => s.node === a.id) || seen.length < 3; i++) {
        const r = await counterCall((i % 2 === 0 ? b : c).url, agent);
        seen.push({ status: r.status, value: r.value, node: r.node });
      }
    })();
    await until('3 nodes seen', async () => seen.length >= 3);
    a.signal('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    stop = true;
    await load;
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    expect(seen.map((s) => s.value)).toEqual(seen.map((_, i) => 10 + i));
    expect(new Set(seen.map((s) => s.node)).size).toBe(2); // a, then the new owner
    expect(a.output().slice(from)).not.toMatch(/hand-over failed|Error/);
  });

  // Runs on the two nodes the first test left.
  it('a node paused (SIGSTOP) past its lease is fenced: its shards are served by the other meanwhile, it applies nothing after the takeover, and after SIGCONT it rejoins and serves again', async () => {
    const [, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const agent = await agentOwnedBy(c.url, b.id, [b.id, c.id], 'pause-');
    await until('node b to own the agent', async () => (await ownerOf(c.url, agent)).node === b.id);

    // Calls sent straight to b, several at once, so some are inside b when it stops.
    const acked = new Map<string, Acked>();
    let stopped = false;
    const chains = Promise.all(Array.from({ length: 32 }, async (_, chain) => {
      for (let i = 0; !stopped; i++) {
        const key = `b-${chain}-${i}`;
        const r = await counterCall(b.url, agent, { key }).catch(() => undefined);
        // What b did not acknowledge goes to c with the same key.
        acked.set(key, r?.status === 200 && r.value !== undefined ? { value: r.value, node: r.node, failures: 0 } : await incrementUntilAcked(() => [c.url], agent, key));
      }
    }));
    await until('64 calls acknowledged', async () => acked.size >= 64);
    const from = b.output().length;
    b.signal('SIGSTOP');
    stopped = true;

    // The other node serves b's agent once b's lease has expired, while b is still stopped.
    const takeover = await counterCall(c.url, agent, { key: 'takeover' });
    expect(takeover).toMatchObject({ status: 200, node: c.id });
    acked.set('takeover', { value: takeover.value ?? 0, node: c.id, failures: 0 });
    b.signal('SIGCONT');
    await chains;
    await b.waitFor(/cluster: lost \d+ shard\(s\)/, from);

    const keys = await incrementKeys(c.url, agent);
    expect(keys.length).toBe(new Set(keys).size);
    expect(new Set(keys)).toEqual(new Set(acked.keys()));
    // The counter is a function of the oplog's order: a write b made on its pre-pause state after
    // c's would answer a value that is not its place in the log. Writes b makes once it holds the
    // shard again (a new token, state rebuilt from the store) keep the order.
    expect(Object.fromEntries([...acked].map(([k, r]) => [k, r.value]))).toEqual(Object.fromEntries(keys.map((k, i) => [k, i + 1])));
    expect([...acked.values()].some((r) => r.node === b.id)).toBe(true);
    expect((await counterCall(c.url, agent, { fn: 'get' })).value).toBe(keys.length);

    // b beats again, c hands it its shards back, and b serves its agents from the store.
    await until('node b to own the agent', async () => (await ownerOf(c.url, agent)).node === b.id);
    expect(await counterCall(c.url, agent, { key: 'after' })).toMatchObject({ status: 200, node: b.id, value: keys.length + 1 });
  });
});
