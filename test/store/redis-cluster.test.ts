import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineAgentHost } from '../../src/core/agents/inline-host.js';
import { AgentManager } from '../../src/core/agents/manager.js';
import { FencedAgentStore } from '../../src/core/cluster/fenced-agents.js';
import { ClusterMember } from '../../src/core/cluster/member.js';
import { ComponentLoader } from '../../src/core/components/loader.js';
import { ComponentRegistry } from '../../src/core/components/registry.js';
import { examplesRepository } from '../../src/core/runtime.js';
import { desiredOwner, shardOf } from '../../src/core/cluster/shards.js';
import { openStores } from '../../src/core/store/open.js';
import { CLUSTER_SHARDS, type ClusterStore, type NodeInfo, type Stores } from '../../src/core/store/ports/index.js';
import { startRedis, type RedisServer } from '../redis-server.js';
import { until } from '../until.js';

let server: RedisServer | undefined;
const open: Stores[] = [];
beforeAll(async () => {
  server = await startRedis();
}, 60_000);
afterAll(async () => {
  for (const s of open) await s.close();
  await server?.stop();
});

function stores(db: number): Stores {
  const s = openStores({ url: (server as RedisServer).url(db), dataDir: '/nonexistent', sync: 'normal' });
  open.push(s);
  return s;
}

function cluster(db: number): ClusterStore {
  const s = stores(db);
  if (!s.cluster) throw new Error('a Redis store has a cluster port');
  return s.cluster;
}

const info = (id: string): NodeInfo => ({ id, url: `http://127.0.0.1:1/${id}`, labels: {}, capacity: { agents: 10, slots: 1 }, version: 't', startedAt: new Date().toISOString() });

describe('cluster port on Redis', () => {
  it('claims only free shards, renews with the node in one beat, and a dead node is listed dead then its shards are free with higher tokens', async () => {
    const c = cluster(1);
    await (server as RedisServer).flush(1);
    await c.heartbeat(info('a'), [], 150);
    const a = await c.claim('a', [1, 2, 3], 150);
    expect(a.map((l) => l.shard)).toEqual([1, 2, 3]);
    await c.heartbeat(info('b'), [], 10_000);
    expect(await c.claim('b', [2, 4], 10_000)).toMatchObject([{ shard: 4 }]);
    expect((await c.owners()).get(2)).toEqual({ node: 'a', token: a[1]?.token });
    // b's beat renews what b holds and reports what it does not.
    const beat = await c.heartbeat(info('b'), [{ shard: 4, token: (await c.owners()).get(4)?.token ?? 0 }, { shard: 2, token: 99 }], 10_000);
    expect(beat.renewed.map((r) => r.shard)).toEqual([4]);
    expect(beat.lost).toEqual([2]);
    // a stops beating: listed dead, and its shards go to b with higher tokens.
    const dead = await until('node a to be seen dead', async () => (await c.nodes()).find((n) => n.id === 'a' && !n.alive));
    expect(dead.url).toBe('http://127.0.0.1:1/a');
    const taken = await until('the shards to be taken over', async () => {
      const got = await c.claim('b', [1, 2, 3], 10_000);
      return got.length === 3 ? got : undefined;
    });
    taken.forEach((l, i) => expect(l.token).toBeGreaterThan(a[i]?.token ?? Infinity));
    expect((await c.heartbeat(info('a'), a, 150)).lost).toEqual([1, 2, 3]);
    await c.release('b', taken);
    expect([...(await c.owners()).keys()]).toEqual([4]);
    await c.leave('b');
    expect((await c.nodes()).map((n) => n.id)).toEqual(['a']);
  });

  it('members split the shards by rendezvous hashing, hand over to a joining node, and take over a stopped one', async () => {
    const store = cluster(2);
    await (server as RedisServer).flush(2);
    const log: string[] = [];
    const member = (id: string) => new ClusterMember({ store, info: info(id), leaseMs: 400, onLost: async () => undefined, onHandover: async () => undefined, log: (l) => log.push(`${id}: ${l}`) });
    const a = member('a');
    await a.start();
    expect(a.heldShards()).toHaveLength(CLUSTER_SHARDS);
    const b = member('b');
    await b.start();
    const split = (n: readonly string[]) => Array.from({ length: CLUSTER_SHARDS }, (_, s) => desiredOwner(s, n));
    const want = split(['a', 'b']);
    // Each side ends with exactly the shards rendezvous hashing gives it.
    await until('the shards to be balanced', async () => (a.heldShards().length + b.heldShards().length === CLUSTER_SHARDS && b.heldShards().every((s) => want[s] === 'b') && a.heldShards().every((s) => want[s] === 'a') ? true : undefined));
    const shard = shardOf('component', 'agent');
    const ownerNow = want[shard] === 'a' ? a : b;
    const other = ownerNow === a ? b : a;
    expect(other.route(shard)).toMatchObject({ kind: 'remote', node: { id: ownerNow.id } });
    expect(ownerNow.route(shard).kind).toBe('local');
    // The owner stops beating (a crash): the other has every shard once the leases expire.
    ownerNow.stop();
    await until('the other node to hold every shard', () => other.heldShards().length === CLUSTER_SHARDS);
    expect(other.route(shard).kind).toBe('local');
    await other.leave();
    expect((await store.owners()).size).toBe(0);
  });

  it('an agent instance writes only under the fence it was rebuilt under: after its shard went elsewhere and came back, its stale state is not stored and the call runs again on the state the oplog holds', async () => {
    await (server as RedisServer).flush(3);
    const registry = new ComponentRegistry(() => [examplesRepository()]);
    registry.reload();
    const counter = registry.get('example', 'counter')?.id ?? '';
    const shard = shardOf(counter, 'c1');
    const c = cluster(3);
    const loader = new ComponentLoader({ cacheDir: mkdtempSync(join(tmpdir(), 'taho-fence-cache-')) });
    // Two nodes' agent layers over the same store; which shard tokens each holds is set below.
    const node = (tokens: Map<number, number>) => new AgentManager(registry, new InlineAgentHost(loader), new FencedAgentStore(stores(3).agents, {
      tokenOf: (s) => tokens.get(s), ownerOf: () => undefined, join: async () => undefined,
    }), { maxActive: 10, snapshotEvery: 0, invokeTimeoutMs: 30_000 });
    const xTokens = new Map<number, number>();
    const yTokens = new Map<number, number>();
    const x = node(xTokens);
    const y = node(yTokens);
    const claim = async (id: string, tokens: Map<number, number>) => {
      const [lease] = await c.claim(id, [shard], 60_000);
      if (!lease) throw new Error(`${id} could not claim shard ${shard}`);
      tokens.set(shard, lease.token);
      return lease;
    };
    const inc = async (m: AgentManager, key: string) => (await m.invoke(counter, 'c1', 'increment', [1], key)).result;

    const first = await claim('x', xTokens);
    expect(await inc(x, 'k1')).toBe(1); // x's instance now holds 1 in memory
    // x is not told it lost the shard (a stalled heartbeat): y takes it over and writes twice.
    await c.release('x', [first]);
    const second = await claim('y', yTokens);
    expect(await inc(y, 'k2')).toBe(2);
    expect(await inc(y, 'k3')).toBe(3);
    await c.release('y', [second]);
    await claim('x', xTokens);
    // x's instance is behind the oplog: its answer (2) must not be stored; rebuilt, the call answers 4.
    expect(await inc(x, 'k4')).toBe(4);
    const fresh = node(xTokens);
    expect((await fresh.invoke(counter, 'c1', 'get', [], 'g1')).result).toBe(4);
    expect((await stores(3).agents.oplog(counter, 'c1')).map((e) => e.result)).toEqual([1, 2, 3, 4, 4]);
  });
});
