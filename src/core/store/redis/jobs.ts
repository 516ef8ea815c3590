import { TahoError } from '../../errors.js';
import { TERMINAL_COMPUTE_STATES, TERMINAL_JOB_STATES, type Execution, type Job, type JobHistory, type JobStateType } from '../../jobs/model.js';
import type { JobCommit, JobPageQuery, JobStore, JobWrite } from '../ports/jobs.js';
import { eventBody, storedEvents } from './codec.js';
import type { LuaScript, RedisConn } from './connection.js';
import { EVENT_COUNTER, EVENT_STREAM, JOBS, leaseKeys } from './keys.js';
import { leaseLost } from './leases.js';
import { script } from './lua.js';

/**
 * The jobs family under `{jobs}`: `job`/`exec` hashes of bodies, `jm`/`em` hashes of what the
 * rules check (revision, state, version) so the script never decodes a body, `state:<S>` sets,
 * the `ids` set sorted by id (prefix lookups), `v:<id>` versions, `execs:<id>` a job's executions,
 * `h:<id>` its history list, `key`/`keysof:<id>` idempotency keys; `bycreated`/`bymodified` sorted
 * sets whose members (`<time, zero-padded>:<id>`, all scored 0) sort by time then id, as SQLite's
 * (time, id) indexes do, with `cm`/`mm` naming each job's current member so an update moves it.
 * KEYS: event counter, event stream, fence lease holder. ARGV: prefix, the write (JSON), fence token.
 */
export const JOB_SCRIPTS: Record<string, LuaScript> = {
  tahoJobs: {
    keys: 3,
    lua: script(`
local P = ARGV[1]
local w = cjson.decode(ARGV[2])
if ARGV[3] ~= '' and not fenced(KEYS[3], ARGV[3]) then return {'lease', fence_token(KEYS[3])} end
if w.key then
  local first = redis.call('HGET', P .. 'key', w.key.key)
  if first then return {'key', first} end
end
local function jm(m)
  local r, s, v = string.match(m, '^(%-?%d+)\\t(.*)\\t(%-?%d+)$')
  return {rev = tonumber(r), st = s, ver = tonumber(v)}
end
local terminalJob, terminalExec = {}, {}
for _, s in ipairs(w.tj) do terminalJob[s] = true end
for _, s in ipairs(w.te) do terminalExec[tostring(s)] = true end
-- Checks, in write order, against the state the earlier items of this write leave.
local jobs = {}
for _, j in ipairs(w.jobs) do
  local cur = jobs[j.id]
  if cur == nil then
    local m = redis.call('HGET', P .. 'jm', j.id)
    cur = m and jm(m) or false
  end
  if cur then
    if j.rev ~= cur.rev + 1 then return {'rev', 'job', j.id, cur.rev} end
    if not j.nv and terminalJob[cur.st] and j.st ~= cur.st then return {'terminal', 'job', j.id, cur.st} end
    if j.nv and j.ver <= cur.ver then return {'version', 'job', j.id, cur.ver} end
  end
  jobs[j.id] = {rev = j.rev, st = j.st, ver = j.ver}
end
local execs = {}
for _, e in ipairs(w.execs) do
  local cur = execs[e.id]
  if cur == nil then
    local m = redis.call('HGET', P .. 'em', e.id)
    if m then
      local r, s = string.match(m, '^(%-?%d+)\\t(.*)$')
      cur = {rev = tonumber(r), st = s}
    else
      cur = false
    end
  end
  if cur then
    if e.rev ~= cur.rev + 1 then return {'rev', 'execution', e.id, cur.rev} end
    if terminalExec[cur.st] and tostring(e.st) ~= cur.st then return {'terminal', 'execution', e.id, cur.st} end
  end
  execs[e.id] = {rev = e.rev, st = tostring(e.st)}
end
-- Writes.
local function index(z, h, id, m)
  local old = redis.call('HGET', h, id)
  if old == m then return end
  if old then redis.call('ZREM', z, old) end
  redis.call('ZADD', z, 0, m)
  redis.call('HSET', h, id, m)
end
local function unindex(z, h, id)
  local old = redis.call('HGET', h, id)
  if old then redis.call('ZREM', z, old) end
  redis.call('HDEL', h, id)
end
if w.key then
  redis.call('HSET', P .. 'key', w.key.key, w.key.job)
  redis.call('SADD', P .. 'keysof:' .. w.key.job, w.key.key)
end
for _, j in ipairs(w.jobs) do
  local m = redis.call('HGET', P .. 'jm', j.id)
  if m then redis.call('SREM', P .. 'state:' .. jm(m).st, j.id) end
  redis.call('HSET', P .. 'job', j.id, j.body)
  redis.call('HSET', P .. 'jm', j.id, j.rev .. '\\t' .. j.st .. '\\t' .. j.ver)
  redis.call('SADD', P .. 'state:' .. j.st, j.id)
  redis.call('ZADD', P .. 'ids', 0, j.id)
  index(P .. 'bycreated', P .. 'cm', j.id, j.cm)
  index(P .. 'bymodified', P .. 'mm', j.id, j.mm)
  if j.nv then redis.call('HSET', P .. 'v:' .. j.id, j.ver, j.body) end
end
for _, e in ipairs(w.execs) do
  redis.call('HSET', P .. 'exec', e.id, e.body)
  redis.call('HSET', P .. 'em', e.id, e.rev .. '\\t' .. tostring(e.st))
  redis.call('SADD', P .. 'execs:' .. e.job, e.id)
end
local seqs = {}
for i, h in ipairs(w.hist) do
  local n = redis.call('LLEN', P .. 'h:' .. h.job) + 1
  redis.call('RPUSH', P .. 'h:' .. h.job, h.head .. n .. h.tail)
  seqs[i] = n
end
for _, id in ipairs(w.del) do
  local m = redis.call('HGET', P .. 'jm', id)
  if m then redis.call('SREM', P .. 'state:' .. jm(m).st, id) end
  redis.call('HDEL', P .. 'job', id)
  redis.call('HDEL', P .. 'jm', id)
  redis.call('ZREM', P .. 'ids', id)
  unindex(P .. 'bycreated', P .. 'cm', id)
  unindex(P .. 'bymodified', P .. 'mm', id)
  for _, e in ipairs(redis.call('SMEMBERS', P .. 'execs:' .. id)) do
    redis.call('HDEL', P .. 'exec', e)
    redis.call('HDEL', P .. 'em', e)
  end
  for _, k in ipairs(redis.call('SMEMBERS', P .. 'keysof:' .. id)) do redis.call('HDEL', P .. 'key', k) end
  redis.call('DEL', P .. 'v:' .. id, P .. 'execs:' .. id, P .. 'h:' .. id, P .. 'keysof:' .. id)
end
local ids = {}
for i, b in ipairs(w.ev) do ids[i] = emit(KEYS[1], KEYS[2], b) end
return {'ok', seqs, ids}`),
  },
};

type Refusal = [what: string, ...rest: (string | number)[]];

/** Jobs in Redis (Bacalhau model); the rules of the port are checked inside the one script. */
export class RedisJobStore implements JobStore {
  readonly #conn: RedisConn;

  constructor(conn: RedisConn) {
    this.#conn = conn;
  }

  async commit(w: JobWrite): Promise<JobCommit> {
    const at = new Date().toISOString();
    const bodies = (w.events ?? []).map((e) => eventBody(e, at));
    const history = w.history ?? [];
    const write = {
      tj: [...TERMINAL_JOB_STATES],
      te: [...TERMINAL_COMPUTE_STATES],
      key: w.idempotencyKey === undefined ? undefined : { key: w.idempotencyKey.key, job: w.idempotencyKey.jobId },
      jobs: (w.jobs ?? []).map(({ job, newVersion }) => ({ id: job.ID, rev: job.Revision, st: job.State.StateType, ver: job.Version, nv: newVersion === true, cm: indexMember(job.CreateTime, job.ID), mm: indexMember(job.ModifyTime, job.ID), body: JSON.stringify(job) })),
      execs: (w.executions ?? []).map((e) => ({ id: e.ID, job: e.JobID, rev: e.Revision, st: e.ComputeState.StateType, body: JSON.stringify(e) })),
      hist: history.map((h) => {
        const rest = JSON.stringify(h);
        return { job: h.JobID, head: '{"SeqNum":', tail: rest === '{}' ? '}' : `,${rest.slice(1)}` };
      }),
      del: w.deleteJobs ?? [],
      ev: bodies,
    };
    const fence = w.fence;
    const holder = leaseKeys(fence?.lease ?? 'jobs').holder;
    const r = (await this.#conn.acknowledged('tahoJobs', [EVENT_COUNTER, EVENT_STREAM, holder], [JOBS, JSON.stringify(write), fence?.token ?? ''])) as Refusal | ['ok', number[], number[]];
    if (r[0] !== 'ok') throw refusal(r as Refusal, w, fence);
    const [, seqs, ids] = r as ['ok', number[], number[]];
    return {
      history: history.map((h, i) => ({ SeqNum: Number(seqs[i]), ...h }) as JobHistory),
      events: storedEvents(bodies, ids),
    };
  }

  async job(id: string): Promise<Job | undefined> {
    return parse<Job>(await this.#conn.do((r) => r.hget(`${JOBS}job`, id)));
  }

  async jobsByPrefix(prefix: string): Promise<Job[]> {
    const ids = await this.#conn.do((r) => r.zrangebylex(`${JOBS}ids`, `[${prefix}`, '+', 'LIMIT', 0, 11));
    return (await this.#bodies<Job>(`${JOBS}job`, ids)).filter((j) => j.ID.startsWith(prefix));
  }

  async jobsByName(name: string, namespace: string): Promise<Job[]> {
    return (await this.jobs()).filter((j) => j.Name === name && (namespace === '*' || j.Namespace === namespace));
  }

  async jobs(): Promise<Job[]> {
    return byCreation((await this.#conn.do((r) => r.hvals(`${JOBS}job`))).map((b) => JSON.parse(b) as Job));
  }

  async jobPage(q: JobPageQuery): Promise<Job[]> {
    const key = `${JOBS}${q.orderBy === 'created' ? 'bycreated' : 'bymodified'}`;
    const from = q.after === undefined ? (q.reverse ? '+' : '-') : `(${indexMember(q.after.time, q.after.id)}`;
    const ids = (await this.#conn.do((r) => (q.reverse ? r.zrevrangebylex(key, from, '-', 'LIMIT', 0, q.limit) : r.zrangebylex(key, from, '+', 'LIMIT', 0, q.limit))))
      .map((m) => m.slice(m.indexOf(':') + 1));
    return this.#bodies<Job>(`${JOBS}job`, ids);
  }

  async jobCounts(): Promise<Record<string, number>> {
    const counts = await this.#conn.do((r) => Promise.all(JOB_STATES.map((s) => r.scard(`${JOBS}state:${s}`))));
    return Object.fromEntries(JOB_STATES.map((s, i) => [s, counts[i] ?? 0]).filter(([, n]) => n !== 0));
  }

  async jobsInState(state: string): Promise<Job[]> {
    const ids = await this.#conn.do((r) => r.smembers(`${JOBS}state:${state}`));
    return byCreation(await this.#bodies<Job>(`${JOBS}job`, ids));
  }

  async versions(id: string): Promise<Job[]> {
    const all = (await this.#conn.do((r) => r.hvals(`${JOBS}v:${id}`))).map((b) => JSON.parse(b) as Job);
    return all.sort((a, b) => a.Version - b.Version);
  }

  async version(id: string, version: number): Promise<Job | undefined> {
    return parse<Job>(await this.#conn.do((r) => r.hget(`${JOBS}v:${id}`, String(version))));
  }

  async executions(jobId: string): Promise<Execution[]> {
    const ids = await this.#conn.do((r) => r.smembers(`${JOBS}execs:${jobId}`));
    return byCreation(await this.#bodies<Execution>(`${JOBS}exec`, ids));
  }

  async execution(id: string): Promise<Execution | undefined> {
    return parse<Execution>(await this.#conn.do((r) => r.hget(`${JOBS}exec`, id)));
  }

  async history(jobId: string, fromSeq = 1): Promise<JobHistory[]> {
    const bodies = await this.#conn.do((r) => r.lrange(`${JOBS}h:${jobId}`, Math.max(0, fromSeq - 1), -1));
    return bodies.map((b) => JSON.parse(b) as JobHistory);
  }

  async jobForKey(key: string): Promise<string | undefined> {
    return (await this.#conn.do((r) => r.hget(`${JOBS}key`, key))) ?? undefined;
  }

  async #bodies<T>(hash: string, ids: readonly string[]): Promise<T[]> {
    if (ids.length === 0) return [];
    const bodies = await this.#conn.do((r) => r.hmget(hash, ...ids));
    return bodies.filter((b): b is string => b !== null).map((b) => JSON.parse(b) as T);
  }
}

/** The script's refusal as the same TahoError the SQLite adapter gives. */
function refusal(r: Refusal, w: JobWrite, fence: JobWrite['fence']): TahoError {
  const [what, kind, id, stored] = r;
  if (what === 'lease' && fence) return leaseLost(fence, Number(kind));
  if (what === 'key') {
    return new TahoError('TAHO_CONFLICT', `the idempotency key ${w.idempotencyKey?.key} was used before, for job ${kind}`, {
      hint: 'That job is the answer to this submission.',
      details: { jobId: kind },
    });
  }
  const item = kind === 'job' ? w.jobs?.find((j) => j.job.ID === id)?.job : w.executions?.find((e) => e.ID === id);
  const rev = item?.Revision ?? 0;
  if (what === 'rev') {
    return refused(`${kind} ${id} is at revision ${stored}; this write is based on another (${rev - 1})`, `Read the ${kind} again: another writer changed it.`);
  }
  if (what === 'version') return refused(`job ${id} already has version ${stored}`, 'A new version numbers after the last one.');
  if (kind === 'job') {
    const to = (item as Job | undefined)?.State.StateType;
    return refused(`job ${id} is ${stored}; it cannot become ${to} except as a new version`, 'Rerun the job (a new version) instead.');
  }
  const to = (item as Execution | undefined)?.ComputeState.StateType;
  return refused(`execution ${id} has finished (state ${stored}); it cannot change to ${to}`, 'A finished execution stays finished; a new one runs instead.');
}

/** Oldest first, as SQLite's rows come out: Redis sets and hashes have no order of their own. */
function byCreation<T extends { readonly CreateTime: number; readonly ID: string }>(items: T[]): T[] {
  return items.sort((a, b) => a.CreateTime - b.CreateTime || (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
}

const JOB_STATES: readonly JobStateType[] = ['Undefined', 'Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped'];

/** Fixed width, so members sort by time first (times are non-negative nanoseconds). */
function indexMember(time: number, id: string): string {
  return `${BigInt(Math.trunc(time)).toString().padStart(22, '0')}:${id}`;
}

function refused(message: string, hint: string): TahoError {
  return new TahoError('TAHO_CONFLICT', message, { hint });
}

function parse<T>(body: string | null): T | undefined {
  return body === null ? undefined : (JSON.parse(body) as T);
}
