import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../src/core/store/open.js';
import type { Stores, TahoEvent } from '../../src/core/store/ports/index.js';
import { startRedis, type RedisServer } from '../redis-server.js';

let redis: RedisServer | undefined;
const opened: Stores[] = [];
beforeAll(async () => {
  redis = await startRedis();
}, 60_000);
afterAll(async () => {
  for (const s of opened.splice(0)) await s.close();
  await redis?.stop();
});

function open(): Stores {
  const s = openStores({ url: (redis as RedisServer).url(2), dataDir: '/nonexistent', sync: 'normal' });
  opened.push(s);
  return s;
}

const event = (subject: string) => [{ kind: 'service' as const, type: 'reloaded', subject, data: {} }];

/** Pulls ids until `last` is reached. */
async function idsUntil(it: AsyncIterator<TahoEvent>, last: number): Promise<number[]> {
  const ids: number[] = [];
  while (ids.at(-1) !== last) {
    const r = await it.next();
    if (r.done) break;
    ids.push(r.value.id);
  }
  return ids;
}

describe('redis follow under concurrent writers (the tail and the seam)', () => {
  it('every follower sees each event once, in order: started before, during and after the writes, and one that stalls past its queue', async () => {
    const writers = [open(), open(), open()];
    const reader = open();
    const ac = new AbortController();
    const follow = (after: number) => reader.events.follow({ after, kinds: ['service'], signal: ac.signal })[Symbol.asyncIterator]();
    const early = follow(0);
    const first = early.next(); // the early follower is replaying/live before anything is written
    // The stalled follower is started and then not read while 3 × 400 events are written in bursts,
    // so the tail's batches pile up past its queue and it must read on from the stream.
    const stalled = follow(0);
    const stalledFirst = stalled.next();
    // Replies on the reader's connection come in order: once this one is in, both followers have
    // finished their (empty) replay and wait on the tail, so what follows reaches them as batches.
    await reader.events.lastId();
    let midway: AsyncIterator<TahoEvent> | undefined;
    let midwayAfter = 0;
    await Promise.all(writers.map(async (w, k) => {
      for (let i = 0; i < 400; i++) {
        const [e] = await w.events.append(event(`w${k}-${i}`));
        if (k === 0 && i === 200) {
          midwayAfter = (e as TahoEvent).id;
          midway = follow(midwayAfter);
        }
      }
    }));
    const total = await reader.events.lastId();
    expect(total).toBe(1200);
    const all = Array.from({ length: total }, (_, i) => i + 1);
    expect([((await first).value as TahoEvent).id, ...(await idsUntil(early, total))]).toEqual(all);
    expect([((await stalledFirst).value as TahoEvent).id, ...(await idsUntil(stalled, total))]).toEqual(all);
    expect(await idsUntil(midway as AsyncIterator<TahoEvent>, total)).toEqual(all.slice(midwayAfter));
    // And live after all that: one more write reaches each of them once.
    await writers[1]?.events.append(event('last'));
    for (const it of [early, stalled, midway as AsyncIterator<TahoEvent>]) expect((await it.next()).value).toMatchObject({ id: total + 1, subject: 'last' });
    ac.abort();
  });
});
