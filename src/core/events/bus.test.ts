import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, matches, nextEvent, type TahoEvent } from './bus.js';
import { watchDir } from './file-watch.js';

const dirs: string[] = [];
const dir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'taho-bus-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('live-only (log) events', () => {
  it('reach subscribers at once with id 0, are never stored, and only match a filter that asks for log', async () => {
    const bus = new EventBus(dir());
    const heard: TahoEvent[] = [];
    bus.on((e) => heard.push(e));
    bus.publish('job', 'Running', 'j-1');
    bus.notify('log', 'grew', 'job/j-1/e-1', { job: 'j-1' });
    expect(heard).toMatchObject([{ id: 0, kind: 'log', type: 'grew', subject: 'job/j-1/e-1' }]); // stored ones wait for their commit
    await new Promise((r) => setImmediate(r));
    expect(heard.map((e) => [e.kind, e.id > 0])).toEqual([['log', false], ['job', true]]);
    expect(bus.since(0).map((e) => e.kind)).toEqual(['job']);
    const log = heard[0] as TahoEvent;
    expect(matches(log, {})).toBe(false);
    expect(matches(log, { kinds: ['job'] })).toBe(false);
    expect(matches(log, { kinds: ['log'] })).toBe(true);
    expect(matches(log, { kinds: ['log'], subject: 'job/j-1/e-1' })).toBe(true);
    bus.close();
  });

  it('nextEvent resolves on the picked event, on abort, or after its fallback', async () => {
    const bus = new EventBus(dir());
    const ac = new AbortController();
    let woke = false;
    const waiting = nextEvent(bus, (e) => e.subject === 'mine', ac.signal, 60_000).then(() => {
      woke = true;
    });
    bus.notify('log', 'grew', 'other');
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false);
    bus.notify('log', 'grew', 'mine');
    await waiting;
    expect(woke).toBe(true);
    const aborted = new AbortController();
    const pending = nextEvent(bus, () => false, aborted.signal, 60_000);
    aborted.abort();
    await pending;
    await nextEvent(bus, () => false, new AbortController().signal, 10);
    bus.close();
  });
});

describe('watchDir', () => {
  it('tells of writes to files in the directory, coalesced', async () => {
    const d = dir();
    writeFileSync(join(d, 'stdout'), '');
    let calls = 0;
    const stop = watchDir(d, () => {
      calls += 1;
    }, 20);
    for (let i = 0; i < 50; i++) appendFileSync(join(d, 'stdout'), `line ${i}\n`);
    for (let i = 0; i < 100 && calls === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(50);
    stop();
  });

  it('announces at stop what was written inside the coalescing window', async () => {
    const d = dir();
    let calls = 0;
    const stop = watchDir(d, () => {
      calls += 1;
    }, 60_000);
    appendFileSync(join(d, 'stdout'), 'last\n');
    await new Promise((r) => setTimeout(r, 200)); // the write is seen; its announcement waits
    expect(calls).toBe(0);
    stop();
    expect(calls).toBe(1);
  });

  it('watches nothing, without throwing, when the directory is missing', () => {
    const stop = watchDir(join(dir(), 'gone'), () => undefined);
    expect(() => stop()).not.toThrow();
  });
});
