import type { LuaScript } from './connection.js';
import { script } from './lua.js';

/**
 * The town's scripts. Keys, all under `{town}` (ARGV[1] is that prefix):
 * `agent`/`task` hashes of bodies with `agents`/`tasks` sorted by first insertion (`ord`),
 * `names` name → id and `agentname` id → name; `backlog` sorted by arrival (`seq`); per agent two
 * inbox lanes `in:<agent>:u` (urgent) and `in:<agent>:n`, sorted by `seq` (a `front` push takes
 * the decreasing `front` counter, ahead of every other); `msg` bodies and `at` where each message
 * is (`agent \n lane \n task`); `tm:<task>` messages of a task; `work` per agent its count of
 * messages carrying a task; `rounds:<agent>` sorted by round number; `meta`.
 */
const APPLY = `
local P = ARGV[1]
local w = cjson.decode(ARGV[2])
if ARGV[3] ~= '' and not fenced(KEYS[3], ARGV[3]) then return {'lease', fence_token(KEYS[3])} end
local function loc(mid)
  local l = redis.call('HGET', P .. 'at', mid)
  if not l then return nil end
  local a, lane, t = string.match(l, '^(.-)\\n(.-)\\n(.*)$')
  return {agent = a, lane = lane, task = t}
end
local dead = {Stopped = true, Error = true}
for _, g in ipairs(w.g) do
  if g.n then
    if redis.call('HEXISTS', P .. 'names', g.n) == 1 then return {'conflict', 'an agent is named ' .. g.n} end
  elseif g.loose then
    -- What a delivery depends on: the agent is there, under its name and node, and not dead.
    local cur = redis.call('HGET', P .. 'agent', g.a)
    local a = cur and cjson.decode(cur)
    local was = cjson.decode(g.is)
    if not a or a.name ~= was.name or a.node ~= was.node or dead[a.state] then return {'conflict', 'agent ' .. g.a .. ' changed'} end
  else
    local what, id = 'agent', g.a
    if g.t then what, id = 'task', g.t end
    local cur = redis.call('HGET', P .. what, id)
    if (g.is == nil and cur) or (g.is ~= nil and cur ~= g.is) then return {'conflict', what .. ' ' .. id .. ' changed'} end
  end
end
-- Takes are guards too: followed in write order, so a take sees what earlier ops of this write did.
local inBacklog, present, goneTask, goneAgent = {}, {}, {}, {}
for _, op in ipairs(w.ops) do
  local o = op.o
  if o == 'backlogPush' then inBacklog[op.t] = true
  elseif o == 'backlogRemove' then inBacklog[op.t] = false
  elseif o == 'deleteTask' then inBacklog[op.id] = false; goneTask[op.id] = true
  elseif o == 'inboxRemoveTask' then goneTask[op.t] = true
  elseif o == 'deleteAgent' then goneAgent[op.id] = true
  elseif o == 'inboxPush' then present[op.mid] = true
  elseif o == 'backlogTake' then
    local there = inBacklog[op.t]
    if there == nil then there = redis.call('ZSCORE', P .. 'backlog', op.t) ~= false end
    if not there then return {'conflict', 'task ' .. op.t .. ' is not in the backlog'} end
    inBacklog[op.t] = false
  elseif o == 'inboxTake' then
    local there = present[op.mid]
    if there == nil then
      local l = loc(op.mid)
      there = l ~= nil and not goneTask[l.task] and not goneAgent[l.agent]
    end
    if not there then return {'conflict', 'message ' .. op.mid .. ' is not in an inbox'} end
    present[op.mid] = false
  end
end
local function removeMsg(mid)
  local l = loc(mid)
  if not l then return end
  redis.call('ZREM', P .. 'in:' .. l.agent .. ':' .. l.lane, mid)
  redis.call('HDEL', P .. 'at', mid)
  redis.call('HDEL', P .. 'msg', mid)
  if l.task ~= '' then
    redis.call('SREM', P .. 'tm:' .. l.task, mid)
    if redis.call('HINCRBY', P .. 'work', l.agent, -1) <= 0 then redis.call('HDEL', P .. 'work', l.agent) end
  end
end
local function removeTask(t)
  for _, mid in ipairs(redis.call('SMEMBERS', P .. 'tm:' .. t)) do removeMsg(mid) end
  redis.call('DEL', P .. 'tm:' .. t)
end
local function keepOrder(zkey, id)
  if not redis.call('ZSCORE', zkey, id) then redis.call('ZADD', zkey, redis.call('INCR', P .. 'ord'), id) end
end
local function dropName(id)
  local old = redis.call('HGET', P .. 'agentname', id)
  if old and redis.call('HGET', P .. 'names', old) == id then redis.call('HDEL', P .. 'names', old) end
end
for _, op in ipairs(w.ops) do
  local o = op.o
  if o == 'putAgent' then
    dropName(op.id)
    keepOrder(P .. 'agents', op.id)
    redis.call('HSET', P .. 'agent', op.id, op.body)
    redis.call('HSET', P .. 'agentname', op.id, op.name)
    redis.call('HSET', P .. 'names', op.name, op.id)
  elseif o == 'deleteAgent' then
    dropName(op.id)
    redis.call('HDEL', P .. 'agent', op.id)
    redis.call('HDEL', P .. 'agentname', op.id)
    redis.call('ZREM', P .. 'agents', op.id)
    for _, lane in ipairs({'u', 'n'}) do
      for _, mid in ipairs(redis.call('ZRANGE', P .. 'in:' .. op.id .. ':' .. lane, 0, -1)) do removeMsg(mid) end
    end
    redis.call('DEL', P .. 'rounds:' .. op.id)
  elseif o == 'putTask' then
    keepOrder(P .. 'tasks', op.id)
    redis.call('HSET', P .. 'task', op.id, op.body)
    local was = redis.call('HGET', P .. 'tstate', op.id)
    if was ~= op.st then
      if was then redis.call('HINCRBY', P .. 'tcount', was, -1) end
      redis.call('HINCRBY', P .. 'tcount', op.st, 1)
      redis.call('HSET', P .. 'tstate', op.id, op.st)
    end
  elseif o == 'deleteTask' then
    local was = redis.call('HGET', P .. 'tstate', op.id)
    if was then redis.call('HINCRBY', P .. 'tcount', was, -1) end
    redis.call('HDEL', P .. 'tstate', op.id)
    redis.call('HDEL', P .. 'task', op.id)
    redis.call('ZREM', P .. 'tasks', op.id)
    redis.call('ZREM', P .. 'backlog', op.id)
    removeTask(op.id)
  elseif o == 'backlogPush' then
    if not redis.call('ZSCORE', P .. 'backlog', op.t) then redis.call('ZADD', P .. 'backlog', redis.call('INCR', P .. 'seq'), op.t) end
  elseif o == 'backlogTake' or o == 'backlogRemove' then
    redis.call('ZREM', P .. 'backlog', op.t)
  elseif o == 'inboxPush' then
    removeMsg(op.mid)
    local seq
    if op.front then seq = redis.call('DECR', P .. 'front') else seq = redis.call('INCR', P .. 'seq') end
    local lane = op.urgent and 'u' or 'n'
    redis.call('ZADD', P .. 'in:' .. op.agent .. ':' .. lane, seq, op.mid)
    redis.call('HSET', P .. 'msg', op.mid, op.body)
    redis.call('HSET', P .. 'at', op.mid, op.agent .. '\\n' .. lane .. '\\n' .. (op.task or ''))
    if op.task then
      redis.call('SADD', P .. 'tm:' .. op.task, op.mid)
      redis.call('HINCRBY', P .. 'work', op.agent, 1)
    end
  elseif o == 'inboxTake' then
    removeMsg(op.mid)
  elseif o == 'inboxRemoveTask' then
    removeTask(op.t)
  elseif o == 'putRound' then
    redis.call('ZREMRANGEBYSCORE', P .. 'rounds:' .. op.agent, op.n, op.n)
    redis.call('ZADD', P .. 'rounds:' .. op.agent, op.n, op.body)
  elseif o == 'setMeta' then
    redis.call('HSET', P .. 'meta', op.k, op.v)
  end
end
local ids = {}
for i, b in ipairs(w.ev) do ids[i] = emit(KEYS[1], KEYS[2], b) end
return {'ok', ids}`;

/** An agent's inbox in order (urgent lane first), as (lane, body) pairs; `mode`: all, work, notes. */
const INBOX = `
local P, agent, mode, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local out = {}
for _, lane in ipairs({'u', 'n'}) do
  for _, mid in ipairs(redis.call('ZRANGE', P .. 'in:' .. agent .. ':' .. lane, 0, -1)) do
    if #out >= limit * 2 then return out end
    local l = redis.call('HGET', P .. 'at', mid) or '\\n'
    local work = not string.match(l, '\\n$')
    if mode == 'all' or (mode == 'work' and work) or (mode == 'notes' and not work) then
      out[#out + 1] = lane
      out[#out + 1] = redis.call('HGET', P .. 'msg', mid)
    end
  end
end
return out`;

/** An agent's body by its name, in one round trip (the name index, then the body). */
const BY_NAME = `
local id = redis.call('HGET', ARGV[1] .. 'names', ARGV[2])
if not id then return false end
return redis.call('HGET', ARGV[1] .. 'agent', id)`;

export const TOWN_SCRIPTS: Record<string, LuaScript> = {
  // KEYS: event counter, event stream, fence lease holder. ARGV: prefix, the write (JSON), fence token.
  tahoTown: { keys: 3, lua: script(APPLY) },
  // KEYS: the agent's urgent lane (routes the call to the town's slot).
  tahoTownInbox: { keys: 1, lua: INBOX },
  // KEYS: the names index (the town's slot).
  tahoTownAgentByName: { keys: 1, lua: BY_NAME },
};
