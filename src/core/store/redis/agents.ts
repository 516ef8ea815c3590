import { contiguous, type AgentPageQuery, type AgentRecord, type AgentStore, type AgentSummary, type AppendEvent, type NewOplogEntry, type OplogEntry, type OplogReadOptions } from '../ports/agents.js';
import { numberSlot } from './codec.js';
import type { LuaScript, RedisConn } from './connection.js';
import { AGENT_INDEX, AGENT_ORD, EVENT_COUNTER, EVENT_STREAM, agentKeys, agentsOf, leaseKeys } from './keys.js';
import { leaseLost } from './leases.js';
import type { Fence } from '../ports/leases.js';
import { script } from './lua.js';

export const AGENT_SCRIPTS: Record<string, LuaScript> = {
  // KEYS: log, keys, event counter, event stream, and the fence's lease holder when fenced.
  // ARGV: fence token ('' none), idempotency key, entry text before and after its seq, and
  // (optional) the event's text before and after its data.seq. Answers the seq, or
  // {'lease', current token} when the fence is stale (nothing written).
  tahoAppend: {
    keys: 5,
    lua: script(`
if ARGV[1] ~= '' and not fenced(KEYS[5], ARGV[1]) then return {'lease', fence_token(KEYS[5])} end
local known = redis.call('HGET', KEYS[2], ARGV[2])
if known then return tonumber(known) end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq = 1
if last[1] then seq = tonumber(string.match(last[1][1], '^(%d+)')) + 1 end
redis.call('XADD', KEYS[1], seq .. '-0', 'b', ARGV[3] .. seq .. ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], seq)
if #ARGV >= 6 then emit(KEYS[3], KEYS[4], ARGV[5] .. seq .. ARGV[6]) end
return seq`),
  },
  tahoByKey: {
    keys: 2,
    lua: `
local seq = redis.call('HGET', KEYS[2], ARGV[1])
if not seq then return false end
local e = redis.call('XRANGE', KEYS[1], seq .. '-0', seq .. '-0')
if e[1] then return e[1][2][2] end
return false`,
  },
  // KEYS: index, counter, the component's index. ARGV: member. The first sight of an agent numbers
  // it; later ones keep that number (creation order, the list's cursor).
  tahoIndexAgent: {
    keys: 3,
    lua: `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s then return s end
local n = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], n, ARGV[1])
redis.call('ZADD', KEYS[3], n, ARGV[1])
return n`,
  },
  // KEYS: snap, log, keys. ARGV: seq, bytes, the first seq to keep ('' keeps all). The snapshot and
  // the drop are one write; the dropped entries' idempotency keys go with them.
  tahoSnapshot: {
    keys: 3,
    lua: `
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'bytes', ARGV[2])
if ARGV[3] == '' then return 0 end
local below = tonumber(ARGV[3])
if below <= 1 then return 0 end
local old = redis.call('XRANGE', KEYS[2], '-', '(' .. below .. '-0')
for _, e in ipairs(old) do
  local key = cjson.decode(e[2][2]).key
  if key then redis.call('HDEL', KEYS[3], key) end
end
redis.call('XTRIM', KEYS[2], 'MINID', below .. '-0')
return #old`,
  },
  tahoDeleteAgent: {
    keys: 4,
    lua: `
local had = redis.call('EXISTS', KEYS[1], KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return had`,
  },
};

type Entry = [id: string, fields: string[]];

/**
 * Durable agents in Redis: per agent (one hash tag, one slot) a stream `log` whose entry ids are
 * the seqs (`<seq>-0`), a hash `keys` from idempotency key to seq, a `meta` record and a `snap`
 * hash; the `{agents}` sorted set lists them by component and name. An append is one script:
 * dedupe the key, number the entry after the last one, store it and emit its event.
 */
export class RedisAgentStore implements AgentStore {
  readonly #conn: RedisConn;
  /** Entries kept below the latest snapshot (undefined: all). */
  readonly #keep: number | undefined;

  constructor(conn: RedisConn, keepBelowSnapshot?: number) {
    this.#conn = conn;
    this.#keep = keepBelowSnapshot;
  }

  async ensureAgent(componentId: string, agent: string, init: { args?: readonly string[]; env?: Readonly<Record<string, string>> } = {}): Promise<AgentRecord> {
    const record: AgentRecord = { componentId, agent, createdAt: Date.now(), args: init.args ?? [], env: init.env ?? {} };
    // The index entry first: a crash in between leaves an entry without a record, which lists skip,
    // never a record that no list shows.
    const [, before] = await this.#conn.do((r) => Promise.all([
      this.#conn.script('tahoIndexAgent', [AGENT_INDEX, AGENT_ORD, agentsOf(componentId)], [member(componentId, agent)]),
      r.call('SET', agentKeys(componentId, agent).meta, JSON.stringify(record), 'NX', 'GET') as Promise<string | null>,
    ]));
    return before === null ? record : (JSON.parse(before) as AgentRecord);
  }

  async getAgent(componentId: string, agent: string): Promise<AgentRecord | undefined> {
    const body = await this.#conn.do((r) => r.get(agentKeys(componentId, agent).meta));
    return body === null ? undefined : (JSON.parse(body) as AgentRecord);
  }

  async listAgents(componentId?: string): Promise<AgentRecord[]> {
    return this.#conn.do(async (r) => {
      const members = await r.zrange(componentId === undefined ? AGENT_INDEX : agentsOf(componentId), 0, -1);
      // One GET per agent, pipelined: each record is in its agent's slot.
      const bodies = await Promise.all(members.map((m) => r.get(keysOf(m).meta)));
      // Name order, as SQLite lists them; the index is in creation order.
      return bodies.filter((b): b is string => b !== null).map((b) => JSON.parse(b) as AgentRecord)
        .sort((a, b) => (a.componentId === b.componentId ? cmp(a.agent, b.agent) : cmp(a.componentId, b.componentId)));
    });
  }

  async agentPage(q: AgentPageQuery): Promise<AgentSummary[]> {
    return this.#conn.do(async (r) => {
      const index = q.componentId === undefined ? AGENT_INDEX : agentsOf(q.componentId);
      const scored = await r.zrangebyscore(index, `(${q.after ?? 0}`, '+inf', 'WITHSCORES', 'LIMIT', 0, q.limit);
      const members = scored.filter((_, i) => i % 2 === 0);
      // Pipelined: the record and the log's last id of each agent, each in its agent's slot.
      const rows = await Promise.all(members.map((m) => {
        const k = keysOf(m);
        return Promise.all([r.get(k.meta), r.xlen(k.log)]);
      }));
      return rows.flatMap(([body, size], i): AgentSummary[] => (body === null ? [] : [{
        ...(JSON.parse(body) as AgentRecord),
        ord: Number(scored[i * 2 + 1]),
        oplogSize: size,
      }]));
    });
  }

  async deleteAgent(componentId: string, agent: string): Promise<boolean> {
    const k = agentKeys(componentId, agent);
    const had = Number(await this.#conn.script('tahoDeleteAgent', [k.meta, k.log, k.keys, k.snap], []));
    await this.#conn.do((r) => Promise.all([r.zrem(AGENT_INDEX, member(componentId, agent)), r.zrem(agentsOf(componentId), member(componentId, agent))]));
    return had > 0;
  }

  async append(componentId: string, agent: string, entry: NewOplogEntry, event?: AppendEvent, fence?: Fence): Promise<number> {
    const k = agentKeys(componentId, agent);
    const args = [fence?.token ?? '', entry.key, ...numberSlot(entry as unknown as Record<string, unknown>, 'seq')];
    if (event) {
      const [dataHead, dataTail] = numberSlot(event.data, 'seq');
      const head = JSON.stringify({ kind: 'agent', type: event.type, subject: event.subject, at: new Date().toISOString() }).slice(0, -1);
      args.push(`${head},"data":${dataHead}`, `${dataTail}}`);
    }
    // Unfenced, the fence key slot names the agent's own log: a declared key that is never read.
    const fenceKey = fence ? leaseKeys(fence.lease).holder : k.log;
    const r = (await this.#conn.acknowledged('tahoAppend', [k.log, k.keys, EVENT_COUNTER, EVENT_STREAM, fenceKey], args)) as number | [string, number];
    if (Array.isArray(r)) throw leaseLost(fence as Fence, Number(r[1]));
    return Number(r);
  }

  async oplog(componentId: string, agent: string, afterSeq = 0, options?: OplogReadOptions): Promise<OplogEntry[]> {
    const entries = (await this.#conn.do((r) => r.xrange(agentKeys(componentId, agent).log, `(${afterSeq}-0`, '+'))) as Entry[];
    return contiguous(entries.map(([, fields]) => JSON.parse(fields[1] ?? '{}') as OplogEntry), afterSeq, `${componentId}/${agent}`, options);
  }

  async oplogSize(componentId: string, agent: string): Promise<number> {
    // XLEN is O(1), and XTRIM below a snapshot keeps it the number of entries held.
    return this.#conn.do((r) => r.xlen(agentKeys(componentId, agent).log));
  }

  async byKey(componentId: string, agent: string, key: string): Promise<OplogEntry | undefined> {
    const k = agentKeys(componentId, agent);
    const body = (await this.#conn.script('tahoByKey', [k.log, k.keys], [key])) as string | null;
    return body === null ? undefined : (JSON.parse(body) as OplogEntry);
  }

  async saveSnapshot(componentId: string, agent: string, seq: number, bytes: Uint8Array): Promise<void> {
    const k = agentKeys(componentId, agent);
    await this.#conn.script('tahoSnapshot', [k.snap, k.log, k.keys], [seq, Buffer.from(bytes), this.#keep === undefined ? '' : seq - this.#keep]);
  }

  async latestSnapshot(componentId: string, agent: string): Promise<{ seq: number; bytes: Uint8Array } | undefined> {
    const h = await this.#conn.do((r) => r.hgetallBuffer(agentKeys(componentId, agent).snap));
    if (h.seq === undefined || h.bytes === undefined) return undefined;
    return { seq: Number(h.seq.toString()), bytes: new Uint8Array(h.bytes) };
  }
}

function keysOf(m: string): ReturnType<typeof agentKeys> {
  const [c = '', a = ''] = m.split('\u0000');
  return agentKeys(c, a);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function member(componentId: string, agent: string): string {
  return `${componentId}\u0000${agent}`;
}
