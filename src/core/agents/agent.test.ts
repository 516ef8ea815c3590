import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentLoader } from '../components/loader.js';
import { ComponentRegistry } from '../components/registry.js';
import { examplesRepository } from '../runtime.js';
import { openStores } from '../store/open.js';
import type { Stores } from '../store/ports/index.js';
import { AgentManager } from './manager.js';
import { InlineAgentHost } from './inline-host.js';
import { AgentWorkerHost } from './worker-host.js';
import type { AgentHost } from './instance.js';
import { WorkerPool } from '../workers/pool.js';

const dirs: string[] = [];
const stores: Stores[] = [];
const hosts: AgentHost[] = [];
let isolation: 'inline' | 'worker' = 'inline';
const pool = new WorkerPool();
afterAll(async () => {
  for (const h of hosts) await h.close();
  await pool.close();
  for (const s of stores) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'taho-agents-'));
  dirs.push(d);
  return d;
}

/** A runtime's agent layer over a data directory; a second call on the same directory is a restart. */
function boot(dir: string, maxActive = 100, snapshotEvery = 0, options: { threads?: number; timeoutMs?: number; maxMemoryBytes?: number; keepBelowSnapshot?: number } = {}) {
  const registry = new ComponentRegistry(() => [examplesRepository()]);
  registry.reload();
  const opened = openStores({ dataDir: dir, sync: 'normal', keepBelowSnapshot: options.keepBelowSnapshot });
  stores.push(opened);
  const store = opened.agents;
  const loader = new ComponentLoader({ cacheDir: join(dir, 'cache') });
  const host = isolation === 'worker' ? new AgentWorkerHost(loader, pool, { threads: options.threads ?? 2 }) : new InlineAgentHost(loader);
  hosts.push(host);
  const agents = new AgentManager(registry, host, store, { maxActive, snapshotEvery, invokeTimeoutMs: options.timeoutMs ?? 30_000, maxMemoryBytes: options.maxMemoryBytes });
  const counter = (registry.get('example', 'counter') ?? { id: '' }).id;
  const calculator = (registry.get('example', 'calculator') ?? { id: '' }).id;
  return { registry, store, opened, agents, counter, calculator };
}

/** A memory budget, and an argument whose copies take an instance past it. */
const BUDGET = 512 * 1024;
const BIG = Array.from({ length: 400_000 }, (_, i) => i % 256);
const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: { code: string; message: string }) => e);

describe.each(['inline', 'worker'] as const)('durable agents (%s host)', (mode) => {
  beforeAll(() => {
    isolation = mode;
  });

  it('runs the invocations of one agent one at a time, in arrival order', async () => {
    const { agents, counter } = boot(dataDir());
    const calls = Array.from({ length: 50 }, (_, i) => agents.invoke(counter, 'ordered', 'increment', [1], `k${i}`));
    expect((await Promise.all(calls)).map((r) => r.result)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await agents.invoke(counter, 'other', 'get', [])).result).toBe(0);
  });

  it('never runs an idempotency key twice: a retry gets the stored answer, a concurrent one joins', async () => {
    const { agents, counter } = boot(dataDir());
    const [a, b] = await Promise.all([
      agents.invoke(counter, 'idem', 'increment', [5], 'same'),
      agents.invoke(counter, 'idem', 'increment', [5], 'same'),
    ]);
    expect(a).toEqual(b);
    const again = await agents.invoke(counter, 'idem', 'increment', [5], 'same');
    expect(again).toMatchObject({ result: 5, replayed: true });
    expect((await agents.invoke(counter, 'idem', 'get', [])).result).toBe(5);
  });

  it('rebuilds state after a restart by replaying the oplog with the recorded host answers', async () => {
    const dir = dataDir();
    const first = boot(dir);
    await first.agents.invoke(first.counter, 'durable', 'increment', [10]);
    const observed = await first.agents.invoke(first.counter, 'durable', 'observe', []);
    await first.agents.invoke(first.counter, 'durable', 'increment', ['9007199254740993']);
    const before = (await first.agents.invoke(first.counter, 'durable', 'get', [])).result;
    // The random number's low bit went into the count: only replay with the recorded answer gets it back.
    const second = boot(dir);
    const agent = second.agents.agent(second.counter, 'durable');
    await agent.load();
    expect((await agent.invoke('get', [])).result).toBe(before);
    expect((await second.store.oplog(second.counter, 'durable')).find((e) => e.fn === 'observe')?.result).toEqual(observed.result);
  });

  it('evicts idle agents past max_active and rebuilds them on demand', async () => {
    const { agents, counter } = boot(dataDir(), 1);
    await agents.invoke(counter, 'a', 'increment', [3]);
    await agents.invoke(counter, 'b', 'increment', [4]);
    expect(agents.activeCount).toBe(1);
    expect((await agents.invoke(counter, 'a', 'increment', [1])).result).toBe(4);
    expect((await agents.invoke(counter, 'b', 'get', [])).result).toBe(4);
  });

  it('lists agents a page at a time, oldest first, without loading one: a hot agent stays in memory', async () => {
    const { agents, counter, store } = boot(dataDir(), 2);
    for (let i = 0; i < 5; i++) await store.ensureAgent(counter, `cold-${i}`);
    await agents.invoke(counter, 'hot', 'increment', [7]);
    const hot = agents.agent(counter, 'hot');
    const seen: string[] = [];
    let after: number | undefined;
    do {
      const page = await agents.page({ componentId: counter, after, limit: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((a) => a.agent));
      after = page.next;
    } while (after !== undefined);
    expect(seen).toEqual(['cold-0', 'cold-1', 'cold-2', 'cold-3', 'cold-4', 'hot']);
    expect((await agents.info(counter, 'cold-3')).status).toBe('Idle');
    expect((await agents.page({ componentId: counter, limit: 10, match: (a) => a.oplogSize > 0 })).items.map((a) => a.agent)).toEqual(['hot']);
    expect(agents.activeCount).toBe(1);
    expect(hot.loaded).toBe(true);
  });

  it('keeps agents within a memory budget, measured from their linear memory: idle ones are evicted first', async () => {
    const { agents, calculator } = boot(dataDir(), 100, 0, { maxMemoryBytes: BUDGET });
    // reverse-bytes copies its argument and its result into the component's memory, which keeps the size it grew to.
    await agents.invoke(calculator, 'big', 'reverse-bytes', [BIG]);
    expect(agents.agent(calculator, 'big').memoryBytes).toBeGreaterThan(BUDGET);
    expect(agents.memoryBytes).toBeGreaterThan(BUDGET);
    // Over the budget: a new agent gets in by evicting the idle big one, which rebuilds on demand.
    expect((await agents.invoke(calculator, 'small', 'add', [1, 2])).result).toBe(3);
    expect(agents.agent(calculator, 'big').loaded).toBe(false);
    expect(agents.memoryBytes).toBeLessThan(BUDGET);
    expect((await agents.invoke(calculator, 'big', 'add', [2, 2])).result).toBe(4);
  });

  it('snapshots every N entries and rebuilds from the latest snapshot plus the tail', async () => {
    const dir = dataDir();
    const first = boot(dir, 100, 10);
    for (let i = 0; i < 25; i++) await first.agents.invoke(first.counter, 'snap', 'increment', [2]);
    expect((await first.store.latestSnapshot(first.counter, 'snap'))?.seq).toBe(20);
    const second = boot(dir, 100, 10);
    const agent = second.agents.agent(second.counter, 'snap');
    await agent.load();
    expect(agent.lastReplayed).toBe(5);
    expect((await agent.invoke('get', [])).result).toBe(50);
    // Without snapshots the same oplog is replayed whole, to the same state.
    const third = boot(dir, 100, 0);
    await third.store.saveSnapshot(third.counter, 'snap', 20, new Uint8Array([1, 2, 3]));
    const whole = third.agents.agent(third.counter, 'snap');
    await whole.load();
    expect(whole.lastReplayed).toBe(26);
    expect((await whole.invoke('get', [])).result).toBe(50);
  });

  it('keeps the oplog bounded below its snapshots and still rebuilds the same state; a refused snapshot fails the agent instead of replaying a log with a hole', async () => {
    const dir = dataDir();
    const first = boot(dir, 100, 10, { keepBelowSnapshot: 3 });
    for (let i = 0; i < 45; i++) await first.agents.invoke(first.counter, 'bounded', 'increment', [1]);
    // The snapshot at 40 keeps 37 and later: 9 entries stored, not 45.
    expect((await first.store.oplog(first.counter, 'bounded', 36)).map((e) => e.seq)).toEqual([37, 38, 39, 40, 41, 42, 43, 44, 45]);
    expect(await first.store.oplogSize(first.counter, 'bounded')).toBe(9);
    const second = boot(dir, 100, 10, { keepBelowSnapshot: 3 });
    const agent = second.agents.agent(second.counter, 'bounded');
    await agent.load();
    expect(agent.lastReplayed).toBe(5);
    expect((await agent.invoke('get', [])).result).toBe(45);
    // A snapshot the component refuses means replay from the start, which the dropped entries forbid.
    await second.store.saveSnapshot(second.counter, 'bounded', 46, new Uint8Array([1, 2, 3]));
    const third = boot(dir, 100, 10, { keepBelowSnapshot: 3 });
    expect(await errorOf(third.agents.invoke(third.counter, 'bounded', 'get', []))).toMatchObject({ code: 'TAHO_AGENT_DIVERGED' });
  });

  it('reports a divergence instead of rebuilding wrong state', async () => {
    const dir = dataDir();
    const first = boot(dir);
    await first.agents.invoke(first.counter, 'tampered', 'increment', [2]);
    await first.agents.invoke(first.counter, 'tampered', 'increment', [2]);
    await first.opened.close();
    const db = new DatabaseSync(join(dir, 'taho.db'));
    db.prepare("UPDATE oplog SET body = replace(body, '\"result\":4', '\"result\":5') WHERE seq = 2").run();
    db.close();
    const second = boot(dir);
    const e = await errorOf(second.agents.invoke(second.counter, 'tampered', 'get', []));
    expect(e).toMatchObject({ code: 'TAHO_AGENT_DIVERGED', message: expect.stringContaining('returned 4 on replay, 5 when recorded') });
    expect(second.agents.agent(second.counter, 'tampered').status).toBe('Failed');
  });

  it('keeps a trapped call from touching state, and answers component errors durably', async () => {
    const dir = dataDir();
    const { agents, calculator } = boot(dir);
    expect((await errorOf(agents.invoke(calculator, 'calc', 'crash', [], 'boom')))?.code).toBe('TAHO_COMPONENT_TRAP');
    expect((await errorOf(agents.invoke(calculator, 'calc', 'crash', [], 'boom')))?.code).toBe('TAHO_COMPONENT_TRAP');
    expect((await errorOf(agents.invoke(calculator, 'calc', 'div', [1, 0], 'zero')))).toMatchObject({ code: 'TAHO_COMPONENT_ERROR', message: expect.stringContaining('division by zero') });
    expect((await agents.invoke(calculator, 'calc', 'add', [1, 2])).result).toBe(3);
    const restarted = boot(dir);
    await restarted.agents.agent(calculator, 'calc').load();
    expect((await restarted.store.oplog(calculator, 'calc')).map((e) => `${e.kind}:${e.fn}`)).toEqual(['failed:crash', 'completed:div', 'completed:add']);
  });

  it('cancels a queued invocation that has not started, and never runs it', async () => {
    const { agents, counter, store } = boot(dataDir());
    const first = agents.invoke(counter, 'q', 'increment', [1], 'first');
    const second = agents.invoke(counter, 'q', 'increment', [10], 'second');
    await new Promise((r) => setImmediate(r));
    expect(agents.agent(counter, 'q').cancel('second')).toBe(true);
    expect(agents.agent(counter, 'q').cancel('second')).toBe(false);
    expect((await first).result).toBe(1);
    expect(await errorOf(second)).toMatchObject({ code: 'TAHO_INVOCATION_CANCELED' });
    expect((await store.oplog(counter, 'q')).map((e) => e.key)).toEqual(['first']);
    expect((await agents.invoke(counter, 'q', 'get', [])).result).toBe(1);
  });

  it('lets go of agents released at once (a cluster node lost their shard): their queued calls fail and write nothing; the next call starts from the store', async () => {
    const { agents, counter, store } = boot(dataDir());
    expect((await agents.invoke(counter, 'moved', 'increment', [1], 'k0')).result).toBe(1);
    const queued = Array.from({ length: 3 }, (_, i) => errorOf(agents.invoke(counter, 'moved', 'increment', [1], `q${i}`)));
    await agents.release((_, name) => name === 'moved', false);
    for (const e of await Promise.all(queued)) expect(e).toMatchObject({ code: 'TAHO_NOT_OWNER' });
    expect((await store.oplog(counter, 'moved')).map((e) => e.key)).toEqual(['k0']);
    expect((await agents.invoke(counter, 'moved', 'increment', [1], 'k1')).result).toBe(2);
  });

  it('refuses unknown functions and bad arguments before queueing them', async () => {
    const { agents, counter, store } = boot(dataDir());
    expect(await errorOf(agents.invoke(counter, 'x', 'decrement', [1]))).toMatchObject({ code: 'TAHO_METHOD_NOT_FOUND', message: expect.stringContaining('increment, get, observe') });
    expect(await errorOf(agents.invoke(counter, 'x', 'increment', [-1]))).toMatchObject({ code: 'TAHO_BAD_ARGUMENTS' });
    expect(await errorOf(agents.invoke('no-such-component', 'x', 'get', []))).toMatchObject({ code: 'TAHO_COMPONENT_NOT_FOUND' });
    expect((await store.oplogSize(counter, 'x'))).toBe(0);
  });
});

describe('durable agents in worker threads', () => {
  beforeAll(() => {
    isolation = 'worker';
  });

  it('stops a call past the invoke timeout; the agents sharing its thread keep their state', async () => {
    const dir = dataDir();
    const { agents, counter, calculator, store } = boot(dir, 100, 0, { threads: 1, timeoutMs: 300 });
    expect((await agents.invoke(counter, 'neighbour', 'increment', [7])).result).toBe(7);
    expect((await agents.invoke(calculator, 'spinner', 'add', [1, 2])).result).toBe(3);
    // Queued behind the spinning call on the same (only) thread: it must run after the rebuild.
    const spinning = errorOf(agents.invoke(calculator, 'spinner', 'spin', [0], 'forever'));
    const queued = agents.invoke(counter, 'neighbour', 'increment', [1], 'behind');
    expect(await spinning).toMatchObject({ code: 'TAHO_INVOKE_TIMEOUT', message: expect.stringContaining('300 ms') });
    expect((await queued).result).toBe(8);
    // The timed-out call left no trace in state, and its key keeps its answer.
    expect((await agents.invoke(calculator, 'spinner', 'add', [2, 2])).result).toBe(4);
    expect(await errorOf(agents.invoke(calculator, 'spinner', 'spin', [0], 'forever'))).toMatchObject({ code: 'TAHO_INVOKE_TIMEOUT' });
    expect((await store.oplog(calculator, 'spinner')).map((e) => `${e.kind}:${e.fn}`)).toEqual(['completed:add', 'failed:spin', 'completed:add']);
    expect((await agents.invoke(counter, 'neighbour', 'get', [])).result).toBe(8);
  });

  it('re-runs a fresh agent\'s first call whose instance was still opening on a thread stopped for another agent', async () => {
    const { agents, calculator } = boot(dataDir(), 100, 0, { threads: 1, timeoutMs: 300 });
    await agents.agent(calculator, 'runaway').load();
    // The runaway call is on the thread before the fresh agent asks it to open an instance.
    const spinning = errorOf(agents.invoke(calculator, 'runaway', 'spin', [0]));
    const fresh = agents.invoke(calculator, 'fresh', 'add', [2, 3]);
    expect(await spinning).toMatchObject({ code: 'TAHO_INVOKE_TIMEOUT' });
    expect((await fresh).result).toBe(5);
    expect(agents.agent(calculator, 'fresh').status).toBe('Idle');
  });

  it('refuses a new agent with a retryable 503 while busy agents fill the memory budget, and takes it once they are done', async () => {
    const { agents, calculator } = boot(dataDir(), 100, 0, { threads: 2, timeoutMs: 1000, maxMemoryBytes: BUDGET });
    await agents.invoke(calculator, 'big', 'reverse-bytes', [BIG]);
    const spinning = errorOf(agents.invoke(calculator, 'big', 'spin', [0]));
    expect(await errorOf(agents.invoke(calculator, 'fresh', 'add', [1, 2]))).toMatchObject({
      code: 'TAHO_SERVICE_UNAVAILABLE', status: 503, retryable: true, retryAfterMs: expect.any(Number), message: expect.stringContaining('none is idle'),
    });
    expect(await spinning).toMatchObject({ code: 'TAHO_INVOKE_TIMEOUT' });
    expect((await agents.invoke(calculator, 'fresh', 'add', [1, 2])).result).toBe(3);
  });

  it('spreads agents over the threads and answers each from its own instance', async () => {
    const { agents, calculator } = boot(dataDir(), 100, 0, { threads: 2 });
    await Promise.all([agents.agent(calculator, 'a').load(), agents.agent(calculator, 'b').load()]);
    // Each spin takes a while; on two threads the pair finishes in about the time of one.
    const results = await Promise.all([agents.invoke(calculator, 'a', 'spin', [3_000_000]), agents.invoke(calculator, 'b', 'spin', [3_000_000])]);
    expect(results.map((r) => r.result)).toEqual([3_000_000, 3_000_000]);
  });
});
