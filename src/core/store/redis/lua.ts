import { KEEP_EVENTS } from './keys.js';

/**
 * Lua shared by the write scripts (a script cannot call another, so each one starts with these).
 * Every script checks everything first and writes only after: Redis does not roll a script back
 * when it fails half-way, so no check may come after a write.
 *
 * - `now_ms()`: the store's clock, the one lease expiry is measured by (TIME is allowed in a
 *   script since Redis 5's effect replication).
 * - `fenced(holderKey, token)`: whether `token` is still the lease's current one; the holder key
 *   expires with the lease (PEXPIRE), so an existing key is a live lease.
 * - `emit(counterKey, streamKey, body)`: the outbox. The id is one INCR of the counter and the
 *   stream entry is `<id>-0`, so event ids are the same plain numbers as in SQLite and an SSE
 *   `Last-Event-ID` resumes on any adapter and any node.
 */
export const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fenced(holderKey, token)
  local h = redis.call('HMGET', holderKey, 'holder', 'token')
  return h[1] and h[1] ~= '' and tonumber(h[2]) == tonumber(token)
end
local function fence_token(holderKey)
  return tonumber(redis.call('HGET', holderKey, 'token') or '0')
end
local function emit(counterKey, streamKey, body)
  local id = redis.call('INCR', counterKey)
  redis.call('XADD', streamKey, 'MAXLEN', '~', ${KEEP_EVENTS}, id .. '-0', 'b', body)
  return id
end
`;

/** A script: the prelude, then its body. */
export function script(body: string): string {
  return `${PRELUDE}\n${body}`;
}
