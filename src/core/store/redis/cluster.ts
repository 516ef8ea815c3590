import { hostname } from 'node:os';
import { CLUSTER_SHARDS, type ClusterStore, type HeartbeatResult, type NodeInfo, type NodeView, type ShardLease, type ShardOwner } from '../ports/cluster.js';
import type { LuaScript, RedisConn } from './connection.js';
import { COMPONENTS, NODES, NODES_SEEN, componentBlob, leaseKeys } from './keys.js';
import { script } from './lua.js';

/** A dead node stays listed (as dead) this long after its last heartbeat, then is forgotten. */
const FORGET_DEAD_MS = 10 * 60_000;

export const CLUSTER_SCRIPTS: Record<string, LuaScript> = {
  // KEYS: nodes hash, seen zset, then the holder key of every held shard. ARGV: node id, ttl ms,
  // node JSON, forget-after ms, then the token of every held shard. Answers {now, expiresAt,
  // renewed flags…}: the node and every shard still its own are extended to now + ttl together.
  tahoClusterBeat: {
    keys: -1,
    lua: script(`
local now = now_ms()
local ttl = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[1])
local out = {now, now + ttl}
for i = 3, #KEYS do
  local h = redis.call('HMGET', KEYS[i], 'holder', 'token')
  if h[1] == ARGV[1] and tonumber(h[2]) == tonumber(ARGV[i + 2]) then
    redis.call('PEXPIRE', KEYS[i], ttl)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
for _, id in ipairs(gone) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
return out`),
  },
  // KEYS: holder and epoch key of every shard to claim, in pairs. ARGV: node id, ttl ms, host.
  // Answers {expiresAt, token or 0 per shard}: a shard with no live holder, or held by this node's
  // id from before a restart, gets the epoch's next value (which fences the earlier incarnation).
  tahoClusterClaim: {
    keys: -1,
    lua: script(`
local now = now_ms()
local out = {now + tonumber(ARGV[2])}
for i = 1, #KEYS, 2 do
  local cur = redis.call('HGET', KEYS[i], 'holder')
  if cur and cur ~= ARGV[1] then
    out[#out + 1] = 0
  else
    local token = redis.call('INCR', KEYS[i + 1])
    redis.call('HSET', KEYS[i], 'holder', ARGV[1], 'token', token, 'pid', '', 'host', ARGV[3])
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    out[#out + 1] = token
  end
end
return out`),
  },
  // KEYS: holder keys. ARGV: node id, then a token per key.
  tahoClusterRelease: {
    keys: -1,
    lua: `
for i = 1, #KEYS do
  local h = redis.call('HMGET', KEYS[i], 'holder', 'token')
  if h[1] == ARGV[1] and tonumber(h[2]) == tonumber(ARGV[i + 1]) then redis.call('DEL', KEYS[i]) end
end
return 1`,
  },
  // KEYS: the holder key of every shard. Answers {holder or false, token} per shard.
  tahoClusterOwners: {
    keys: -1,
    lua: `
local out = {}
for i = 1, #KEYS do
  local h = redis.call('HMGET', KEYS[i], 'holder', 'token')
  out[#out + 1] = h[1] or ''
  out[#out + 1] = h[2] or '0'
end
return out`,
  },
  // KEYS: nodes hash, seen zset. Answers {now, id, json, lastSeen, …}.
  tahoClusterNodes: {
    keys: 2,
    lua: script(`
local out = {now_ms()}
local seen = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #seen, 2 do
  local body = redis.call('HGET', KEYS[1], seen[i])
  if body then
    out[#out + 1] = seen[i]
    out[#out + 1] = body
    out[#out + 1] = seen[i + 1]
  end
end
return out`),
  },
};

const shardKeys = (shard: number): { holder: string; epoch: string } => leaseKeys(`shard:${shard}`);
const ALL_HOLDERS = Array.from({ length: CLUSTER_SHARDS }, (_, i) => shardKeys(i).holder);

/**
 * Membership and shards in Redis, all under the `{lease}` hash tag: a hash of node records and a
 * sorted set of their last heartbeat (store clock); a shard is a lease like the jobs' one (holder
 * key with PEXPIRE, epoch counter), so the agents' append script checks its fence the same way.
 * Each node's record carries its heartbeat TTL, so whether it is alive is decided by its own TTL.
 */
export class RedisClusterStore implements ClusterStore {
  readonly #conn: RedisConn;

  constructor(conn: RedisConn) {
    this.#conn = conn;
  }

  async heartbeat(node: NodeInfo, held: readonly { shard: number; token: number }[], ttlMs: number): Promise<HeartbeatResult> {
    const ttl = Math.max(1, Math.round(ttlMs));
    const keys = [NODES, NODES_SEEN, ...held.map((h) => shardKeys(h.shard).holder)];
    const r = (await this.#conn.script('tahoClusterBeat', keys, [node.id, ttl, JSON.stringify({ ...node, ttlMs: ttl }), FORGET_DEAD_MS, ...held.map((h) => h.token)])) as number[];
    const expiresAt = Number(r[1]);
    const renewed: ShardLease[] = [];
    const lost: number[] = [];
    held.forEach((h, i) => {
      if (Number(r[i + 2]) === 1) renewed.push({ shard: h.shard, token: h.token, expiresAt });
      else lost.push(h.shard);
    });
    return { renewed, lost };
  }

  async claim(nodeId: string, shards: readonly number[], ttlMs: number): Promise<ShardLease[]> {
    if (shards.length === 0) return [];
    const keys = shards.flatMap((s) => [shardKeys(s).holder, shardKeys(s).epoch]);
    const r = (await this.#conn.script('tahoClusterClaim', keys, [nodeId, Math.max(1, Math.round(ttlMs)), hostname()])) as number[];
    const expiresAt = Number(r[0]);
    return shards.flatMap((shard, i) => {
      const token = Number(r[i + 1]);
      return token > 0 ? [{ shard, token, expiresAt }] : [];
    });
  }

  async release(nodeId: string, held: readonly { shard: number; token: number }[]): Promise<void> {
    if (held.length === 0) return;
    await this.#conn.script('tahoClusterRelease', held.map((h) => shardKeys(h.shard).holder), [nodeId, ...held.map((h) => h.token)]);
  }

  async leave(nodeId: string): Promise<void> {
    await this.#conn.do((r) => r.multi().hdel(NODES, nodeId).zrem(NODES_SEEN, nodeId).exec());
  }

  async nodes(): Promise<NodeView[]> {
    const r = (await this.#conn.script('tahoClusterNodes', [NODES, NODES_SEEN], [])) as (string | number)[];
    const now = Number(r[0]);
    const out: NodeView[] = [];
    for (let i = 1; i + 2 < r.length + 1; i += 3) {
      const info = JSON.parse(String(r[i + 1])) as NodeInfo & { ttlMs?: number };
      const lastSeen = Number(r[i + 2]);
      const { ttlMs = 0, ...rest } = info;
      out.push({ ...rest, lastSeen, alive: lastSeen + ttlMs > now });
    }
    return out;
  }

  async owners(): Promise<Map<number, ShardOwner>> {
    const r = (await this.#conn.script('tahoClusterOwners', ALL_HOLDERS, [])) as string[];
    const owners = new Map<number, ShardOwner>();
    for (let shard = 0; shard < CLUSTER_SHARDS; shard++) {
      const node = r[shard * 2] ?? '';
      if (node !== '') owners.set(shard, { node, token: Number(r[shard * 2 + 1]) });
    }
    return owners;
  }

  async putComponent(name: string, sha256: string, bytes: Uint8Array): Promise<string> {
    // The bytes first: a name never points at bytes that are not there.
    await this.#conn.do((r) => r.set(componentBlob(sha256), Buffer.from(bytes), 'NX'));
    const [, stored] = await this.#conn.do((r) => Promise.all([r.hsetnx(COMPONENTS, name, sha256), r.hget(COMPONENTS, name)]));
    return stored ?? sha256;
  }

  async components(): Promise<{ name: string; sha256: string }[]> {
    const all = await this.#conn.do((r) => r.hgetall(COMPONENTS));
    return Object.entries(all).map(([name, sha256]) => ({ name, sha256 })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async componentBytes(sha256: string): Promise<Uint8Array | undefined> {
    const b = await this.#conn.do((r) => r.getBuffer(componentBlob(sha256)));
    return b === null ? undefined : new Uint8Array(b);
  }
}
