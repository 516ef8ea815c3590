import { hostname } from 'node:os';
import { processRunning } from '../../../shared/process.js';
import { TahoError } from '../../errors.js';
import type { Fence, Lease, LeaseHolder, LeaseName, Leases } from '../ports/leases.js';
import type { LuaScript, RedisConn } from './connection.js';
import { leaseKeys } from './keys.js';
import { script } from './lua.js';

export const LEASE_SCRIPTS: Record<string, LuaScript> = {
  // KEYS: holder, epoch. ARGV: holder id, ttl ms, pid, host, a holder to treat as gone ('' none).
  // Answers {1, token, expiresAt} or {0, holder, pid, host}.
  tahoLeaseAcquire: {
    keys: 2,
    lua: script(`
local cur = redis.call('HMGET', KEYS[1], 'holder', 'token', 'pid', 'host')
if cur[1] and cur[1] ~= ARGV[1] and cur[1] ~= ARGV[5] then return {0, cur[1], cur[3] or '', cur[4] or ''} end
local token
if cur[1] == ARGV[1] then token = tonumber(cur[2]) else token = redis.call('INCR', KEYS[2]) end
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'token', token, 'pid', ARGV[3], 'host', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, token, now_ms() + tonumber(ARGV[2])}`),
  },
  // KEYS: holder. ARGV: holder id, token, ttl ms. Answers {1, expiresAt} or {0, current token}.
  tahoLeaseRenew: {
    keys: 1,
    lua: script(`
local cur = redis.call('HMGET', KEYS[1], 'holder', 'token')
if cur[1] ~= ARGV[1] or tonumber(cur[2]) ~= tonumber(ARGV[2]) then return {0, tonumber(cur[2] or '0')} end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, now_ms() + tonumber(ARGV[3])}`),
  },
  tahoLeaseRelease: {
    keys: 1,
    lua: `
local cur = redis.call('HMGET', KEYS[1], 'holder', 'token')
if cur[1] == ARGV[1] and tonumber(cur[2]) == tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return 1`,
  },
  tahoLeaseCurrent: {
    keys: 1,
    lua: script(`
local cur = redis.call('HMGET', KEYS[1], 'holder', 'token')
if not cur[1] then return false end
return {cur[1], tonumber(cur[2]), now_ms() + redis.call('PTTL', KEYS[1])}`),
  },
};

/**
 * Leases in Redis. The holder key expires with the lease (PEXPIRE, by the store's clock, so the
 * nodes' clocks do not matter); the token comes from an epoch counter that never expires, so every
 * takeover's token is higher than any given before. Family writes check a fence in their own
 * script (`fenced` in lua.ts).
 */
export class RedisLeases implements Leases {
  readonly #conn: RedisConn;

  constructor(conn: RedisConn) {
    this.#conn = conn;
  }

  async acquire(name: LeaseName, holder: LeaseHolder, ttlMs: number): Promise<Lease | undefined> {
    const k = leaseKeys(name);
    const args = [holder.id, Math.max(1, Math.round(ttlMs)), holder.pid ?? '', holder.host ?? ''];
    let r = (await this.#conn.script('tahoLeaseAcquire', [k.holder, k.epoch], [...args, ''])) as [number, number | string, number | string, string];
    if (r[0] === 0) {
      // A holder on this host whose process is gone let the lease go: take it now, not after its TTL.
      const [, other, pid, host] = r;
      if (host !== hostname() || pid === '' || Number(pid) === process.pid || processRunning(Number(pid))) return undefined;
      r = (await this.#conn.script('tahoLeaseAcquire', [k.holder, k.epoch], [...args, String(other)])) as typeof r;
      if (r[0] === 0) return undefined;
    }
    return { name, holder: holder.id, token: Number(r[1]), expiresAt: Number(r[2]) };
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease> {
    const r = (await this.#conn.script('tahoLeaseRenew', [leaseKeys(lease.name).holder], [lease.holder, lease.token, Math.max(1, Math.round(ttlMs))])) as [number, number];
    if (r[0] === 0) throw leaseLost({ lease: lease.name, token: lease.token }, r[1]);
    return { ...lease, expiresAt: r[1] };
  }

  async release(lease: Lease): Promise<void> {
    await this.#conn.script('tahoLeaseRelease', [leaseKeys(lease.name).holder], [lease.holder, lease.token]);
  }

  async current(name: LeaseName): Promise<Lease | undefined> {
    const r = (await this.#conn.script('tahoLeaseCurrent', [leaseKeys(name).holder], [])) as [string, number, number] | null;
    return r === null ? undefined : { name, holder: r[0], token: r[1], expiresAt: r[2] };
  }
}

/** A write's fence was stale (`current`: the lease's token now, 0 when nobody holds it). */
export function leaseLost(fence: Fence, current: number): TahoError {
  return new TahoError('TAHO_LEASE_LOST', `this process no longer holds the ${fence.lease} lease (token ${fence.token}${current > 0 ? `; current ${current}` : ''})`, {
    hint: `Another taho process took over the ${fence.lease} (this one was paused or too slow to renew); restart this one if it should run them.`,
  });
}
