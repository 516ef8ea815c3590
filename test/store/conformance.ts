/**
 * The conformance suite every store adapter must pass unchanged: `describeStore(name, fixture)`.
 * It speaks only the ports (src/core/store/ports), so a Redis adapter runs it as the SQLite one
 * does. `fixture.open()` is a new connection to the same store: a second process's view.
 */
import { describe, expect, it, afterEach } from 'vitest';
import { TahoError } from '../../src/core/errors.js';
import type { Stores, TahoEvent } from '../../src/core/store/ports/index.js';
import { execution, history, job, message, townAgent, townTask } from './fixtures.js';

export interface StoreOpenOptions {
  readonly keepBelowSnapshot?: number | undefined;
}

export interface StoreFixture {
  /** A new connection to the same (initially empty) store. */
  open(options?: StoreOpenOptions): Stores;
  /** Closes nothing of its own; removes the store's data. */
  destroy(): Promise<void>;
}

const entry = (key: string, fn = 'inc') => ({ kind: 'completed' as const, fn, params: [1], host: [], result: key, key, at: Date.now() });

async function refusal(p: Promise<unknown>): Promise<TahoError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TahoError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** A promise and the function that resolves it: a point a test waits for. */
function latch(): { reached: Promise<void>; reach: () => void } {
  let reach: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  return { reached, reach };
}

async function take<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const x of it) {
    out.push(x);
    if (out.length >= n) break;
  }
  return out;
}

export function describeStore(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`store conformance: ${name}`, () => {
    const open: Stores[] = [];
    let fixture: StoreFixture | undefined;
    const store = async (options?: StoreOpenOptions): Promise<Stores> => {
      fixture ??= await makeFixture();
      const s = fixture.open(options);
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0).reverse()) await s.close();
      await fixture?.destroy();
      fixture = undefined;
    });

    describe('agents', () => {
      it('numbers appends 1, 2, 3 in order, concurrent ones included, and reads them back in order', async () => {
        const s = await store();
        await s.agents.ensureAgent('c1', 'a');
        const seqs = await Promise.all(Array.from({ length: 20 }, (_, i) => s.agents.append('c1', 'a', entry(`k${i}`))));
        expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        const log = await s.agents.oplog('c1', 'a');
        expect(log.map((e) => e.key)).toEqual(seqs.map((_, i) => `k${i}`));
        expect(await s.agents.oplog('c1', 'a', 18)).toHaveLength(2);
        expect(await s.agents.oplogSize('c1', 'a')).toBe(20);
      });

      it('dedupes by idempotency key: a second append with a stored key stores nothing and answers the first seq', async () => {
        const s = await store();
        expect(await s.agents.append('c1', 'a', entry('same'))).toBe(1);
        expect(await s.agents.append('c1', 'a', entry('other'))).toBe(2);
        expect(await s.agents.append('c1', 'a', { ...entry('same'), result: 'second' })).toBe(1);
        expect(await s.agents.oplogSize('c1', 'a')).toBe(2);
        expect((await s.agents.byKey('c1', 'a', 'same'))?.result).toBe('same');
        expect(await s.agents.byKey('c1', 'b', 'same')).toBeUndefined();
      });

      it('keeps the latest snapshot; snapshot plus tail gives every entry once', async () => {
        const s = await store();
        for (let i = 1; i <= 5; i++) await s.agents.append('c1', 'a', entry(`k${i}`));
        await s.agents.saveSnapshot('c1', 'a', 2, new Uint8Array([2]));
        await s.agents.saveSnapshot('c1', 'a', 4, new Uint8Array([4, 4]));
        const snap = await s.agents.latestSnapshot('c1', 'a');
        expect(snap).toEqual({ seq: 4, bytes: new Uint8Array([4, 4]) });
        expect((await s.agents.oplog('c1', 'a', snap?.seq)).map((e) => e.seq)).toEqual([5]);
      });

      it('drops entries more than keep below a saved snapshot, with their keys; numbering goes on; a read into the hole refuses', async () => {
        const s = await store({ keepBelowSnapshot: 2 });
        for (let i = 1; i <= 10; i++) await s.agents.append('c1', 'a', entry(`k${i}`));
        await s.agents.saveSnapshot('c1', 'a', 8, new Uint8Array([8]));
        expect((await s.agents.oplog('c1', 'a', 5)).map((e) => e.seq)).toEqual([6, 7, 8, 9, 10]);
        await expect(s.agents.oplog('c1', 'a')).rejects.toMatchObject({ code: 'TAHO_AGENT_DIVERGED' });
        await expect(s.agents.oplog('c1', 'a', 3)).rejects.toMatchObject({ code: 'TAHO_AGENT_DIVERGED' });
        // Reading the log to show it takes what is kept.
        expect((await s.agents.oplog('c1', 'a', 0, { kept: true })).map((e) => e.seq)).toEqual([6, 7, 8, 9, 10]);
        expect(await s.agents.oplogSize('c1', 'a')).toBe(5);
        expect((await s.agents.agentPage({ componentId: 'c1', limit: 10 })).find((x) => x.agent === 'a')?.oplogSize ?? 5).toBe(5);
        expect(await s.agents.byKey('c1', 'a', 'k5')).toBeUndefined();
        expect((await s.agents.byKey('c1', 'a', 'k6'))?.seq).toBe(6);
        expect(await s.agents.append('c1', 'a', entry('k6'))).toBe(6);
        expect(await s.agents.append('c1', 'a', entry('k11'))).toBe(11);
        // A snapshot at the newest entry with nothing kept below it: that entry stays, so the next is 13.
        const none = await store({ keepBelowSnapshot: 0 });
        expect(await none.agents.append('c1', 'a', entry('k12'))).toBe(12);
        await none.agents.saveSnapshot('c1', 'a', 12, new Uint8Array([12]));
        expect((await none.agents.oplog('c1', 'a', 11)).map((e) => e.seq)).toEqual([12]);
        expect(await none.agents.append('c1', 'a', entry('k13'))).toBe(13);
        // Without the setting nothing is dropped.
        const all = await store();
        for (let i = 1; i <= 3; i++) await all.agents.append('c2', 'b', entry(`k${i}`));
        await all.agents.saveSnapshot('c2', 'b', 3, new Uint8Array([3]));
        expect((await all.agents.oplog('c2', 'b')).map((e) => e.seq)).toEqual([1, 2, 3]);
      });

      it('an append and its event are one write; deleting an agent removes its log and snapshot', async () => {
        const s = await store();
        const before = await s.events.lastId();
        const seq = await s.agents.append('c1', 'a', entry('k'), { type: 'invoked', subject: 'd/s/a', data: { fn: 'inc' } });
        const [e] = await s.events.read(before, { kinds: ['agent'] });
        expect(e).toMatchObject({ kind: 'agent', type: 'invoked', subject: 'd/s/a', data: { fn: 'inc', seq } });
        await s.agents.ensureAgent('c1', 'a', { args: ['x'], env: { A: '1' } });
        expect(await s.agents.getAgent('c1', 'a')).toMatchObject({ args: ['x'], env: { A: '1' } });
        await s.agents.saveSnapshot('c1', 'a', 1, new Uint8Array([1]));
        expect(await s.agents.deleteAgent('c1', 'a')).toBe(true);
        expect(await s.agents.oplogSize('c1', 'a')).toBe(0);
        expect(await s.agents.latestSnapshot('c1', 'a')).toBeUndefined();
        expect(await s.agents.deleteAgent('c1', 'a')).toBe(false);
      });
    });

      it('pages agents in creation order from a cursor, of one component or all, each with its last seq', async () => {
        const s = await store();
        for (const [c, a] of [['c1', 'b'], ['c2', 'x'], ['c1', 'a'], ['c1', 'c']] as const) await s.agents.ensureAgent(c, a);
        await s.agents.ensureAgent('c1', 'b'); // seen again: it keeps its place
        for (let i = 0; i < 3; i++) await s.agents.append('c1', 'a', entry(`k${i}`));
        const names = (p: readonly { componentId: string; agent: string }[]) => p.map((x) => `${x.componentId}/${x.agent}`);
        const p1 = await s.agents.agentPage({ limit: 2 });
        expect(names(p1)).toEqual(['c1/b', 'c2/x']);
        const p2 = await s.agents.agentPage({ after: p1.at(-1)?.ord, limit: 2 });
        expect(names(p2)).toEqual(['c1/a', 'c1/c']);
        expect(p2.map((x) => x.oplogSize)).toEqual([3, 0]);
        expect(await s.agents.agentPage({ after: p2.at(-1)?.ord, limit: 2 })).toEqual([]);
        expect(names(await s.agents.agentPage({ componentId: 'c1', limit: 10 }))).toEqual(['c1/b', 'c1/a', 'c1/c']);
        const first = await s.agents.agentPage({ componentId: 'c1', limit: 1 });
        expect(names(await s.agents.agentPage({ componentId: 'c1', after: first[0]?.ord, limit: 10 }))).toEqual(['c1/a', 'c1/c']);
        await s.agents.deleteAgent('c1', 'a');
        expect(names(await s.agents.agentPage({ componentId: 'c1', limit: 10 }))).toEqual(['c1/b', 'c1/c']);
        expect((await s.agents.listAgents()).map((x) => x.agent)).toEqual(['b', 'c', 'x']);
      });

    describe('events', () => {
      it('ids only grow, across families, and read filters by kind and subject', async () => {
        const s = await store();
        await s.events.append([{ kind: 'service', type: 'loaded', subject: 'd/s', data: {} }]);
        const j = job();
        await s.jobs.commit({ jobs: [{ job: j, newVersion: true }], events: [{ kind: 'job', type: 'Pending', subject: j.ID, data: {} }] });
        await s.agents.append('c', 'a', entry('k'), { type: 'invoked', subject: 'd/s/a', data: {} });
        const all = await s.events.read(0);
        expect(all.map((e) => e.kind)).toEqual(['service', 'job', 'agent']);
        expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
        expect(new Set(all.map((e) => e.id)).size).toBe(3);
        expect((await s.events.read(0, { kinds: ['job'] })).map((e) => e.subject)).toEqual([j.ID]);
        expect((await s.events.read(0, { subject: 'd/s/a' })).map((e) => e.kind)).toEqual(['agent']);
        expect(await s.events.lastId()).toBe(all.at(-1)?.id);
      });

      it('reads filtered events a page at a time from an id: by kind, by subject, by both', async () => {
        const s = await store();
        const kinds = ['service', 'job', 'town'] as const;
        for (let i = 0; i < 30; i++) await s.events.append([{ kind: kinds[i % 3] as (typeof kinds)[number], type: 't', subject: `s${i % 4}`, data: { i } }]);
        const pages = async (filter: { kinds?: ('service' | 'job' | 'town')[]; subject?: string }) => {
          const got: number[] = [];
          for (let after = 0; ;) {
            const page = await s.events.read(after, filter, 4);
            got.push(...page.map((e) => e.data.i as number));
            if (page.length < 4) return got;
            after = page.at(-1)?.id ?? after;
          }
        };
        const all = Array.from({ length: 30 }, (_, i) => i);
        expect(await pages({})).toEqual(all);
        expect(await pages({ kinds: ['job'] })).toEqual(all.filter((i) => i % 3 === 1));
        expect(await pages({ kinds: ['job', 'town'] })).toEqual(all.filter((i) => i % 3 !== 0));
        expect(await pages({ subject: 's2' })).toEqual(all.filter((i) => i % 4 === 2));
        expect(await pages({ subject: 's2', kinds: ['service'] })).toEqual(all.filter((i) => i % 4 === 2 && i % 3 === 0));
      });

      it('trims events below an id; ids go on from where they were, and the store reports its size', async () => {
        const s = await store();
        for (let i = 0; i < 10; i++) await s.events.append([{ kind: 'service', type: 't', subject: `s${i}`, data: {} }]);
        const ids = (await s.events.read(0)).map((e) => e.id);
        expect(await s.events.trim(ids[4] as number)).toBe(4);
        expect((await s.events.read(0)).map((e) => e.id)).toEqual(ids.slice(4));
        expect(await s.events.trim(ids[4] as number)).toBe(0);
        const [next] = await s.events.append([{ kind: 'service', type: 't', subject: 'after', data: {} }]);
        expect(next?.id).toBe((ids.at(-1) as number) + 1);
        expect(await s.usage()).toBeGreaterThan(0);
      });

      it('follow replays from an id, then goes live across the seam with no gap and no duplicate', async () => {
        const s = await store();
        for (let i = 0; i < 5; i++) await s.events.append([{ kind: 'service', type: 'loaded', subject: `s${i}`, data: {} }]);
        const first = (await s.events.read(0))[1] as TahoEvent; // resume after the second event
        const ac = new AbortController();
        const got: string[] = [];
        const done = (async () => {
          for await (const e of s.events.follow({ after: first.id, signal: ac.signal })) {
            got.push(e.subject);
            // Writes land while the follower is between replay and live.
            if (e.subject === 's2') await s.events.append([{ kind: 'service', type: 'loaded', subject: 's5', data: {} }]);
            if (got.length === 6) ac.abort();
          }
        })();
        const other = await store(); // another process's connection writes too
        await other.events.append([{ kind: 'service', type: 'loaded', subject: 's6', data: {} }]);
        await other.events.append([{ kind: 'service', type: 'loaded', subject: 's7', data: {} }]);
        await done;
        expect(got.slice(0, 3)).toEqual(['s2', 's3', 's4']);
        expect([...got].sort()).toEqual(['s2', 's3', 's4', 's5', 's6', 's7']);
        // Nothing more comes after the seam: a new follower from the last id sees only what is new.
        const last = await s.events.lastId();
        const ac2 = new AbortController();
        const next = take(s.events.follow({ after: last, signal: ac2.signal }), 1);
        await other.events.append([{ kind: 'service', type: 'loaded', subject: 's8', data: {} }]);
        expect((await next).map((e) => e.subject)).toEqual(['s8']);
      });

      it('follow hears a write made through another connection without anyone polling it', async () => {
        const a = await store();
        const b = await store();
        const ac = new AbortController();
        const heard = take(a.events.follow({ after: await a.events.lastId(), kinds: ['town'], signal: ac.signal }), 1);
        const agent = townAgent('far');
        await b.town.apply({ ops: [{ op: 'putAgent', agent }], events: [{ kind: 'town', type: 'agent.spawned', subject: agent.id, data: {} }] });
        expect((await heard)[0]).toMatchObject({ kind: 'town', subject: agent.id });
        ac.abort();
      });

      it('a live follower gets the writes of two connections, interleaved, once each and in id order', async () => {
        const a = await store();
        const b = await store();
        const ac = new AbortController();
        const got: TahoEvent[] = [];
        const live = latch();
        const want = ['start', 'b0', 'a0', 'b1', 'a1', 'b2', 'a2', 'b3', 'a3', 'b4', 'a4'];
        const after = await a.events.lastId();
        const done = (async () => {
          for await (const e of a.events.follow({ after, kinds: ['service'], signal: ac.signal })) {
            got.push(e);
            if (e.subject === 'start') live.reach();
            if (got.length === want.length) ac.abort();
          }
        })();
        await a.events.append([{ kind: 'service', type: 'loaded', subject: 'start', data: {} }]);
        await live.reached;
        // Each write of this connection lands right after one of the other's, before any file
        // event of it could arrive; an event of another kind sits between them too.
        for (let i = 0; i < 5; i++) {
          await b.events.append([{ kind: 'service', type: 'loaded', subject: `b${i}`, data: {} }]);
          await a.events.append([{ kind: 'town', type: 'x', subject: `t${i}`, data: {} }]);
          await a.events.append([{ kind: 'service', type: 'loaded', subject: `a${i}`, data: {} }]);
        }
        await done;
        expect(got.map((e) => e.subject)).toEqual(want);
        expect(got.map((e) => e.id)).toEqual([...got.map((e) => e.id)].sort((x, y) => x - y));
      });

      it('a follower that stops reading for a while goes on with every event in order', async () => {
        const s = await store();
        const ac = new AbortController();
        const got: string[] = [];
        const paused = latch();
        const first = latch();
        const done = (async () => {
          for await (const e of s.events.follow({ after: await s.events.lastId(), signal: ac.signal })) {
            got.push(e.subject);
            if (got.length === 1) {
              first.reach();
              await paused.reached; // a stalled consumer (an SSE client that stopped reading)
            }
            if (got.length === 301) ac.abort();
          }
        })();
        await s.events.append([{ kind: 'service', type: 'loaded', subject: 'e0', data: {} }]);
        await first.reached;
        for (let i = 1; i <= 300; i++) await s.events.append([{ kind: 'service', type: 'loaded', subject: `e${i}`, data: {} }]);
        paused.reach();
        await done;
        expect(got).toEqual(Array.from({ length: 301 }, (_, i) => `e${i}`));
      });

      it('log notices reach followers that ask for log, live only, never stored', async () => {
        const s = await store();
        const ac = new AbortController();
        const heard = take(s.events.follow({ after: await s.events.lastId(), kinds: ['log'], signal: ac.signal }), 1);
        // Notices are not replayed, and nothing says when the follower went live: tell it again
        // until it hears one, instead of guessing how long it takes to start.
        const tell = setInterval(() => s.events.notify({ kind: 'log', type: 'grew', subject: 'job/j/e', data: {} }), 10);
        const first = await heard.finally(() => clearInterval(tell));
        expect(first[0]).toMatchObject({ id: 0, kind: 'log' });
        expect(await s.events.read(0)).toEqual([]);
        ac.abort();
      });
    });

    describe('town', () => {
      it('a task claimed by many writers at once goes to exactly one agent', async () => {
        const writers = [await store(), await store(), await store()];
        const s = writers[0] as Stores;
        const task = townTask('only once');
        await s.town.apply({ ops: [{ op: 'putTask', task }, { op: 'backlogPush', taskId: task.id }] });
        const agents = Array.from({ length: 6 }, (_, i) => townAgent(`w${i}`));
        await s.town.apply({ ops: agents.map((agent) => ({ op: 'putAgent' as const, agent })) });
        const results = await Promise.all(agents.map((a, i) => (writers[i % writers.length] as Stores).town.apply({
          guards: [{ task: task.id, is: task }],
          ops: [
            { op: 'backlogTake', taskId: task.id },
            { op: 'putTask', task: { ...task, state: 'assigned', assigned_to: a.id } },
            { op: 'inboxPush', agentId: a.id, message: message(a.id, task.id), urgent: false },
          ],
          events: [{ kind: 'town', type: 'backlog.claimed', subject: task.id, data: { agent_id: a.id } }],
        })));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const winner = agents[results.findIndex((r) => r.ok)] as (typeof agents)[number];
        expect(await s.town.backlog()).toEqual([]);
        expect((await s.town.task(task.id))?.assigned_to).toBe(winner.id);
        expect(await s.town.agentsWithWork()).toEqual([winner.id]);
        expect((await s.events.read(0, { kinds: ['town'] })).filter((e) => e.type === 'backlog.claimed')).toHaveLength(1);
      });

      it('a failed guard or take writes nothing, not even its events', async () => {
        const s = await store();
        const agent = townAgent('a');
        await s.town.apply({ ops: [{ op: 'putAgent', agent }] });
        const stale = { ...agent, state: 'Working' as const };
        await s.town.apply({ ops: [{ op: 'putAgent', agent: stale }] });
        const before = await s.events.lastId();
        const task = townTask('t');
        const r = await s.town.apply({ guards: [{ agent: agent.id, is: agent }], ops: [{ op: 'putTask', task }], events: [{ kind: 'town', type: 'task.created', subject: task.id, data: {} }] });
        expect(r.ok).toBe(false);
        expect(await s.town.task(task.id)).toBeUndefined();
        expect(await s.events.lastId()).toBe(before);
        expect((await s.town.apply({ ops: [{ op: 'inboxTake', messageId: 'nope' }] })).ok).toBe(false);
        expect((await s.town.apply({ guards: [{ agentName: 'a', free: true }], ops: [] })).ok).toBe(false);
        expect((await s.town.apply({ guards: [{ task: task.id, is: null }], ops: [] })).ok).toBe(true);
      });

      it('keeps inbox order: front first, then urgent, then arrival; counts and takes', async () => {
        const s = await store();
        const a = townAgent('a');
        const t1 = townTask('1');
        const t2 = townTask('2');
        const m1 = message(a.id, t1.id, 'one');
        const note = message(a.id, null, 'fyi');
        const m2 = message(a.id, t2.id, 'two', true);
        const back = message(a.id, t1.id, 'again', true);
        await s.town.apply({ ops: [{ op: 'putAgent', agent: a }, { op: 'inboxPush', agentId: a.id, message: m1, urgent: false }, { op: 'inboxPush', agentId: a.id, message: note, urgent: false }, { op: 'inboxPush', agentId: a.id, message: m2, urgent: true }] });
        expect((await s.town.inbox(a.id)).map((r) => r.message.body)).toEqual(['two', 'one', 'fyi']);
        expect(await s.town.inboxCounts(a.id)).toEqual({ total: 3, urgent: 1, work: 2 });
        expect((await s.town.inboxNextWork(a.id))?.message.id).toBe(m2.id);
        expect((await s.town.inboxNotes(a.id)).map((r) => r.message.id)).toEqual([note.id]);
        await s.town.apply({ ops: [{ op: 'inboxPush', agentId: a.id, message: back, urgent: true, front: true }] });
        expect((await s.town.inboxNextWork(a.id))?.message.body).toBe('again');
        expect((await s.town.inboxOfTask(t2.id))?.message.id).toBe(m2.id);
        expect((await s.town.apply({ ops: [{ op: 'inboxTake', messageId: m2.id }] })).ok).toBe(true);
        expect((await s.town.apply({ ops: [{ op: 'inboxTake', messageId: m2.id }] })).ok).toBe(false);
        await s.town.apply({ ops: [{ op: 'inboxRemoveTask', taskId: t1.id }] });
        expect((await s.town.inbox(a.id)).map((r) => r.message.body)).toEqual(['fyi']);
        await s.town.apply({ ops: [{ op: 'deleteAgent', id: a.id }] });
        expect(await s.town.inbox(a.id)).toEqual([]);
        expect(await s.town.agent(a.id)).toBeUndefined();
      });

      it('reads agents and tasks in creation order, by name and by filter; rounds and meta', async () => {
        const s = await store();
        const a = townAgent('x');
        const b = townAgent('y');
        const t1 = townTask('1', { state: 'assigned', assigned_to: a.id });
        const t2 = townTask('2');
        await s.town.apply({ ops: [{ op: 'putAgent', agent: a }, { op: 'putAgent', agent: b }, { op: 'putTask', task: t1 }, { op: 'putTask', task: t2 }, { op: 'backlogPush', taskId: t2.id }, { op: 'setMeta', key: 'k', value: 'v' }] });
        await s.town.apply({ ops: [{ op: 'putAgent', agent: { ...a, state: 'Working' } }] });
        expect((await s.town.agents()).map((x) => x.name)).toEqual(['x', 'y']);
        expect((await s.town.agentByName('y'))?.id).toBe(b.id);
        expect((await s.town.tasks({ state: ['assigned'], assigned_to: a.id })).map((t) => t.id)).toEqual([t1.id]);
        expect(await s.town.backlog()).toEqual([t2.id]);
        expect(await s.town.inBacklog(t2.id)).toBe(true);
        await s.town.apply({ ops: [{ op: 'putRound', round: { agent_id: a.id, n: 1, task_id: t1.id, pid: null, started_at: '', ended_at: null, exit_code: null, signal: null, log: '' } }, { op: 'putRound', round: { agent_id: a.id, n: 2, task_id: t1.id, pid: 5, started_at: '', ended_at: null, exit_code: null, signal: null, log: '' } }] });
        expect((await s.town.lastRound(a.id))?.n).toBe(2);
        expect(await s.town.meta('k')).toBe('v');
        await s.town.apply({ ops: [{ op: 'deleteTask', id: t2.id }] });
        expect(await s.town.backlog()).toEqual([]);
      });
    });

    describe('town pages', () => {
      it('pages tasks in the order first stored, filtered by state and agent, and keeps counts by state', async () => {
        const s = await store();
        const a = townAgent('pager');
        const tasks = Array.from({ length: 7 }, (_, i) => townTask(`t${i}`, i % 3 === 0 ? { state: 'assigned', assigned_to: a.id } : {}));
        for (const task of tasks) await s.town.apply({ ops: [{ op: 'putTask', task }] });
        // An update keeps the task's place.
        const moved = { ...(tasks[1] as (typeof tasks)[number]), state: 'completed' as const };
        await s.town.apply({ ops: [{ op: 'putTask', task: moved }] });
        const read = async (q: { state?: ('pending' | 'assigned' | 'completed')[]; assigned_to?: string }, limit: number) => {
          const ids: string[] = [];
          let after: number | undefined;
          for (;;) {
            const page = await s.town.taskPage({ ...q, after, limit });
            expect(page.length).toBeLessThanOrEqual(limit);
            ids.push(...page.map((r) => r.task.id));
            if (page.length < limit) return ids;
            after = page.at(-1)?.ord;
          }
        };
        expect(await read({}, 3)).toEqual(tasks.map((t) => t.id));
        expect(await read({ state: ['assigned'] }, 2)).toEqual([tasks[0], tasks[3], tasks[6]].map((t) => t?.id));
        expect(await read({ assigned_to: a.id, state: ['assigned', 'completed'] }, 10)).toEqual([tasks[0], tasks[3], tasks[6]].map((t) => t?.id));
        expect(await read({ state: ['pending', 'completed'] }, 2)).toEqual([1, 2, 4, 5].map((i) => tasks[i]?.id));
        expect((await s.town.taskPage({ state: ['completed'], limit: 5 }))[0]?.task.state).toBe('completed');
        expect(await s.town.taskCounts()).toEqual({ assigned: 3, pending: 3, completed: 1 });
        await s.town.apply({ ops: [{ op: 'deleteTask', id: moved.id }] });
        expect(await s.town.taskCounts()).toEqual({ assigned: 3, pending: 3 });
      });
    });

    describe('jobs', () => {
      it('commits a job, its history numbered per job and its events together', async () => {
        const s = await store();
        const j = job();
        const c = await s.jobs.commit({ jobs: [{ job: j, newVersion: true }], history: [history(j, 'submitted'), history(j, 'translated')], events: [{ kind: 'job', type: 'Pending', subject: j.ID, data: {} }] });
        expect(c.history.map((h) => h.SeqNum)).toEqual([1, 2]);
        expect(c.events).toHaveLength(1);
        expect((await s.jobs.history(j.ID, 2)).map((h) => h.Event.Message)).toEqual(['translated']);
        expect((await s.jobs.job(j.ID))?.State.StateType).toBe('Pending');
        expect((await s.jobs.jobsByPrefix(j.ID.slice(0, 8))).map((x) => x.ID)).toContain(j.ID);
        expect((await s.jobs.jobsByName(j.Name, '*')).map((x) => x.ID)).toEqual([j.ID]);
        expect((await s.jobs.jobsInState('Pending')).map((x) => x.ID)).toEqual([j.ID]);
        expect((await s.jobs.versions(j.ID)).map((x) => x.Version)).toEqual([1]);
      });

      it('refuses transitions that are not allowed, and writes nothing of the refused write', async () => {
        const s = await store();
        const j = job();
        await s.jobs.commit({ jobs: [{ job: j, newVersion: true }] });
        const e = execution(j);
        await s.jobs.commit({ executions: [e, { ...e, ComputeState: { StateType: 6 }, Revision: 2 }] });
        // a stale revision (someone else moved it on)
        expect((await refusal(s.jobs.commit({ jobs: [{ job: { ...j, State: { StateType: 'Running' }, Revision: 1 } }] }))).code).toBe('TAHO_CONFLICT');
        const done = { ...j, State: { StateType: 'Completed' as const }, Revision: 2 };
        await s.jobs.commit({ jobs: [{ job: done }], executions: [{ ...e, ComputeState: { StateType: 9 }, Revision: 3 }] });
        // a finished job does not run again except as a new version
        const before = await s.events.lastId();
        const err = await refusal(s.jobs.commit({ jobs: [{ job: { ...done, State: { StateType: 'Running' }, Revision: 3 } }], history: [history(j, 'nope')], events: [{ kind: 'job', type: 'Running', subject: j.ID, data: {} }] }));
        expect(err.code).toBe('TAHO_CONFLICT');
        expect(await s.jobs.history(j.ID)).toEqual([]);
        expect(await s.events.lastId()).toBe(before);
        // a finished execution never changes state
        expect((await refusal(s.jobs.commit({ executions: [{ ...e, ComputeState: { StateType: 6 }, Revision: 4 }] }))).code).toBe('TAHO_CONFLICT');
        await s.jobs.commit({ jobs: [{ job: { ...done, State: { StateType: 'Pending' }, Version: 2, Revision: 3 }, newVersion: true }] });
        expect((await s.jobs.versions(j.ID)).map((x) => x.Version)).toEqual([1, 2]);
        expect((await s.jobs.version(j.ID, 1))?.State.StateType).toBe('Pending');
      });

      it('dedupes by idempotency key: two submissions with one key make one job', async () => {
        const s = await store();
        const a = job();
        const b = job();
        const results = await Promise.allSettled([a, b].map((j) => s.jobs.commit({ jobs: [{ job: j, newVersion: true }], idempotencyKey: { key: 'k1', jobId: j.ID } })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const first = await s.jobs.jobForKey('k1');
        expect([a.ID, b.ID]).toContain(first);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toMatchObject({ code: 'TAHO_CONFLICT', details: { jobId: first } });
        expect(await s.jobs.jobs()).toHaveLength(1);
      });

      it('pages jobs by creation or modification time from a cursor, either way, and keeps counts by state', async () => {
        const s = await store();
        const made = Array.from({ length: 5 }, () => job());
        // Two share a creation time: the id breaks the tie.
        const tied = job({ CreateTime: made[2]?.CreateTime ?? 0 });
        for (const j of [...made, tied]) await s.jobs.commit({ jobs: [{ job: j, newVersion: true }] });
        const created = [...made, tied].sort((a, b) => a.CreateTime - b.CreateTime || (a.ID < b.ID ? -1 : 1)).map((j) => j.ID);
        const read = async (orderBy: 'created' | 'modified', reverse: boolean) => {
          const ids: string[] = [];
          let after: { time: number; id: string } | undefined;
          for (;;) {
            const page = await s.jobs.jobPage({ orderBy, reverse, after, limit: 4 });
            ids.push(...page.map((j) => j.ID));
            const last = page.at(-1);
            if (page.length < 4 || !last) return ids;
            after = { time: orderBy === 'created' ? last.CreateTime : last.ModifyTime, id: last.ID };
          }
        };
        expect(await read('created', false)).toEqual(created);
        expect(await read('created', true)).toEqual([...created].reverse());
        // A change moves a job in modification order, and only there.
        const first = made[0] as (typeof made)[number];
        await s.jobs.commit({ jobs: [{ job: { ...first, State: { StateType: 'Running' }, Revision: 2, ModifyTime: (tied.ModifyTime ?? 0) + 1_000_000 } }] });
        expect((await read('modified', false)).at(-1)).toBe(first.ID);
        expect((await read('modified', true))[0]).toBe(first.ID);
        expect(await read('created', false)).toEqual(created);
        expect(await s.jobs.jobCounts()).toEqual({ Pending: 5, Running: 1 });
        await s.jobs.commit({ deleteJobs: [first.ID] });
        expect(await read('modified', false)).not.toContain(first.ID);
        expect(await read('created', true)).toEqual([...created].reverse().filter((id) => id !== first.ID));
        expect(await s.jobs.jobCounts()).toEqual({ Pending: 5 });
      });

      it('deletes a job with everything that belongs to it', async () => {
        const s = await store();
        const j = job();
        await s.jobs.commit({ jobs: [{ job: j, newVersion: true }], executions: [execution(j)], history: [history(j, 'x')], idempotencyKey: { key: 'k', jobId: j.ID } });
        await s.jobs.commit({ deleteJobs: [j.ID] });
        expect(await s.jobs.job(j.ID)).toBeUndefined();
        expect(await s.jobs.executions(j.ID)).toEqual([]);
        expect(await s.jobs.history(j.ID)).toEqual([]);
        expect(await s.jobs.jobForKey('k')).toBeUndefined();
      });
    });

    describe('leases', () => {
      const holder = (id: string) => ({ id });

      it('one holder at a time; the same holder renews with the same token', async () => {
        const s = await store();
        const a = await s.leases.acquire('jobs', holder('a'), 10_000);
        expect(a?.token).toBeGreaterThan(0);
        expect(await s.leases.acquire('jobs', holder('b'), 10_000)).toBeUndefined();
        const again = await s.leases.acquire('jobs', holder('a'), 10_000);
        expect(again?.token).toBe(a?.token);
        expect((await s.leases.current('jobs'))?.holder).toBe('a');
        expect(await s.leases.acquire('town', holder('b'), 10_000)).toBeDefined();
      });

      it('an expired lease is taken over with a higher token, and a write fenced with the old token is refused', async () => {
        const s = await store();
        const old = await s.leases.acquire('jobs', holder('a'), 30);
        if (!old) throw new Error('no lease');
        const j = job();
        await s.jobs.commit({ jobs: [{ job: j, newVersion: true }], fence: { lease: 'jobs', token: old.token } });
        let next;
        while (!(next = await s.leases.acquire('jobs', holder('b'), 10_000))) await new Promise((r) => setTimeout(r, 10));
        expect(next.token).toBeGreaterThan(old.token);
        const err = await refusal(s.jobs.commit({ jobs: [{ job: { ...j, State: { StateType: 'Running' }, Revision: 2 } }], fence: { lease: 'jobs', token: old.token } }));
        expect(err.code).toBe('TAHO_LEASE_LOST');
        expect((await s.jobs.job(j.ID))?.State.StateType).toBe('Pending');
        expect((await refusal(s.leases.renew(old, 1000))).code).toBe('TAHO_LEASE_LOST');
        const agent = townAgent('fenced');
        await expect(s.town.apply({ ops: [{ op: 'putAgent', agent }], fence: { lease: 'jobs', token: old.token } })).rejects.toMatchObject({ code: 'TAHO_LEASE_LOST' });
        expect(await s.town.agent(agent.id)).toBeUndefined();
        await s.jobs.commit({ jobs: [{ job: { ...j, State: { StateType: 'Running' }, Revision: 2 } }], fence: { lease: 'jobs', token: next.token } });
      });

      it('an agent append fenced by a shard lease is refused once the lease is taken over, and writes nothing', async () => {
        const s = await store();
        const old = await s.leases.acquire('shard:7', holder('a'), 30);
        if (!old) throw new Error('no lease');
        expect(await s.agents.append('c', 'fenced', entry('k1'), { type: 'invoked', subject: 'c/fenced', data: {} }, { lease: 'shard:7', token: old.token })).toBe(1);
        let next;
        while (!(next = await s.leases.acquire('shard:7', holder('b'), 10_000))) await new Promise((r) => setTimeout(r, 10));
        const before = (await s.events.read(0)).length;
        const err = await refusal(s.agents.append('c', 'fenced', entry('k2'), { type: 'invoked', subject: 'c/fenced', data: {} }, { lease: 'shard:7', token: old.token }));
        expect(err.code).toBe('TAHO_LEASE_LOST');
        expect((await s.agents.oplog('c', 'fenced')).map((e) => e.key)).toEqual(['k1']);
        expect((await s.events.read(0)).length).toBe(before);
        expect(await s.agents.append('c', 'fenced', entry('k2'), undefined, { lease: 'shard:7', token: next.token })).toBe(2);
      });

      it('release frees it for the next holder, with a higher token; releasing a lost lease is a no-op', async () => {
        const s = await store();
        const a = await s.leases.acquire('town', holder('a'), 10_000);
        if (!a) throw new Error('no lease');
        await s.leases.release(a);
        expect(await s.leases.current('town')).toBeUndefined();
        const b = await s.leases.acquire('town', holder('b'), 10_000);
        expect(b?.token).toBeGreaterThan(a.token);
        await s.leases.release(a);
        expect((await s.leases.current('town'))?.holder).toBe('b');
        const renewed = await s.leases.renew(b as NonNullable<typeof b>, 20_000);
        expect(renewed.expiresAt).toBeGreaterThan((b as NonNullable<typeof b>).expiresAt - 1);
      });
    });
  });
}
