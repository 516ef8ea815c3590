import type { AgentRecord, AgentStore, AppendEvent, NewOplogEntry, OplogEntry } from '../ports/agents.js';
import { numberSlot } from './codec.js';
import type { LuaScript, RedisConn } from './connection.js';
import { AGENT_INDEX, EVENT_COUNTER, EVENT_STREAM, agentKeys, leaseKeys } from './keys.js';
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

  constructor(conn: RedisConn) {
    this.#conn = conn;
  }

  async ensureAgent(componentId: string, agent: string, init: { args?: readonly string[]; env?: Readonly<Record<string, string>> } = {}): Promise<AgentRecord> {
    const record: AgentRecord = { componentId, agent, createdAt: Date.now(), args: init.args ?? [], env: init.env ?? {} };
    // The index entry first: a crash in between leaves an entry without a record, which lists skip,
    // never a record that no list shows.
    const [, before] = await this.#conn.do((r) => Promise.all([
      r.zadd(AGENT_INDEX, 'NX', 0, member(componentId, agent)),
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
      const members = componentId === undefined
        ? await r.zrange(AGENT_INDEX, 0, -1)
        : await r.zrangebylex(AGENT_INDEX, `[${componentId}\u0000`, `(${componentId}\u0001`);
      // One GET per agent, pipelined: each record is in its agent's slot.
      const bodies = await Promise.all(members.map((m) => {
        const [c = '', a = ''] = m.split('\u0000');
        return r.get(agentKeys(c, a).meta);
      }));
      return bodies.filter((b): b is string => b !== null).map((b) => JSON.parse(b) as AgentRecord);
    });
  }

  async deleteAgent(componentId: string, agent: string): Promise<boolean> {
    const k = agentKeys(componentId, agent);
    const had = Number(await this.#conn.script('tahoDeleteAgent', [k.meta, k.log, k.keys, k.snap], []));
    await this.#conn.do((r) => r.zrem(AGENT_INDEX, member(componentId, agent)));
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

  async oplog(componentId: string, agent: string, afterSeq = 0): Promise<OplogEntry[]> {
    const entries = (await this.#conn.do((r) => r.xrange(agentKeys(componentId, agent).log, `(${afterSeq}-0`, '+'))) as Entry[];
    return entries.map(([, fields]) => JSON.parse(fields[1] ?? '{}') as OplogEntry);
  }

  async oplogSize(componentId: string, agent: string): Promise<number> {
    return this.#conn.do((r) => r.xlen(agentKeys(componentId, agent).log));
  }

  async byKey(componentId: string, agent: string, key: string): Promise<OplogEntry | undefined> {
    const k = agentKeys(componentId, agent);
    const body = (await this.#conn.script('tahoByKey', [k.log, k.keys], [key])) as string | null;
    return body === null ? undefined : (JSON.parse(body) as OplogEntry);
  }

  async saveSnapshot(componentId: string, agent: string, seq: number, bytes: Uint8Array): Promise<void> {
    await this.#conn.do((r) => r.hset(agentKeys(componentId, agent).snap, 'seq', seq, 'bytes', Buffer.from(bytes)));
  }

  async latestSnapshot(componentId: string, agent: string): Promise<{ seq: number; bytes: Uint8Array } | undefined> {
    const h = await this.#conn.do((r) => r.hgetallBuffer(agentKeys(componentId, agent).snap));
    if (h.seq === undefined || h.bytes === undefined) return undefined;
    return { seq: Number(h.seq.toString()), bytes: new Uint8Array(h.bytes) };
  }
}

function member(componentId: string, agent: string): string {
  return `${componentId}\u0000${agent}`;
}
