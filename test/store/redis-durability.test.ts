import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../src/core/store/open.js';
import type { Stores } from '../../src/core/store/ports/index.js';
import { startRedis, type RedisServer } from '../redis-server.js';

let primary: RedisServer | undefined;
let replica: RedisServer | undefined;
const open: Stores[] = [];
beforeAll(async () => {
  primary = await startRedis();
}, 60_000);
afterAll(async () => {
  for (const s of open) await s.close();
  // A replica asked to shut down keeps retrying its primary for a while: it is a throwaway, kill it.
  await replica?.kill9();
  await replica?.stop();
  await primary?.stop();
});

const entry = (key: string) => ({ kind: 'completed' as const, fn: 'inc', params: [1], host: [], result: key, key, at: Date.now() });

function store(durability: 'process' | 'fsync' | 'replicated', replicaTimeoutMs = 300): Stores {
  const s = openStores({ url: (primary as RedisServer).url(3), dataDir: '/nonexistent', sync: 'normal', durability, replicaTimeoutMs });
  open.push(s);
  return s;
}

async function redisCall(server: RedisServer, ...args: string[]): Promise<unknown> {
  const r = new Redis(server.url(0), { maxRetriesPerRequest: 1 });
  try {
    return await r.call(args[0] as string, ...args.slice(1));
  } finally {
    r.disconnect();
  }
}

describe('[store] durability on Redis', () => {
  it('fsync is refused against a server that does not fsync every write, with what to change, and accepted once it does', async () => {
    const s = store('fsync');
    await expect(s.verify?.()).rejects.toMatchObject({ code: 'TAHO_CONFIG_INVALID', message: expect.stringContaining('appendfsync everysec'), hint: expect.stringContaining('--appendfsync always') });
    await redisCall(primary as RedisServer, 'CONFIG', 'SET', 'appendfsync', 'always');
    try {
      expect(await s.verify?.()).toEqual([]);
      expect(await s.agents.append('c', 'a', entry('k1'))).toBe(1);
    } finally {
      await redisCall(primary as RedisServer, 'CONFIG', 'SET', 'appendfsync', 'everysec');
    }
  });

  it('replicated: warns without a replica and fails writes no replica acknowledged; with a replica, a write is acknowledged once the replica has it', async () => {
    const s = store('replicated');
    expect((await s.verify?.())?.join(' ')).toMatch(/no connected replica/);
    const refused = await s.agents.append('c', 'r', entry('k1')).then(() => undefined, (e: unknown) => e);
    expect(refused).toMatchObject({ code: 'TAHO_STORE_UNREACHABLE', message: expect.stringContaining('0 of 1 replica(s)'), hint: expect.stringContaining('same idempotency key') });
    replica = await startRedis();
    await redisCall(replica, 'REPLICAOF', '127.0.0.1', String((primary as RedisServer).port));
    // The replica counts once the primary sees it online (synced): the event that matters, not a time.
    while (!/slave0:.*state=online/.test(String(await redisCall(primary as RedisServer, 'INFO', 'replication')))) await new Promise((r) => setTimeout(r, 20));
    expect(await s.verify?.()).toEqual([]);
    // Acknowledged writes wait for the replica's answer: a generous ceiling, as a loaded machine
    // can take more than the 300 ms that was enough to see the refusal above.
    const acked = store('replicated', 30_000);
    // The refused write was applied on the primary (its key answers it), as the message said it may be.
    expect(await acked.agents.append('c', 'r', entry('k1'))).toBe(1);
    expect(await acked.agents.append('c', 'r', entry('k2'))).toBe(2);
    const onReplica = new Redis(replica.url(3), { maxRetriesPerRequest: 1 });
    try {
      expect(await onReplica.keys('taho:{a:c/r}:log')).toHaveLength(1);
      expect(await onReplica.xlen('taho:{a:c/r}:log')).toBe(2);
    } finally {
      onReplica.disconnect();
    }
  });

  it('replicated needs Redis: a SQLite store says so', () => {
    expect(() => openStores({ dataDir: '/tmp', sync: 'normal', durability: 'replicated' })).toThrow(/needs a Redis store/);
  });
});
