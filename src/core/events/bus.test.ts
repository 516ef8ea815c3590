import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { matches, nextEvent } from './bus.js';
import { openStores } from '../store/open.js';
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

describe('nextEvent', () => {
  it('resolves on the picked event, committed by any family or told live, or on abort', async () => {
    const stores = openStores({ dataDir: dir(), sync: 'normal' });
    const log = stores.events;
    const ac = new AbortController();
    let woke = false;
    const waiting = nextEvent(log, (e) => e.subject === 'mine', ac.signal).then(() => {
      woke = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    log.notify({ kind: 'log', type: 'grew', subject: 'other', data: {} });
    await log.append([{ kind: 'job', type: 'Running', subject: 'j-1', data: {} }]);
    await new Promise((r) => setTimeout(r, 20));
    expect(woke).toBe(false);
    await log.append([{ kind: 'job', type: 'Running', subject: 'mine', data: {} }]);
    await waiting;
    expect(woke).toBe(true);
    const log2 = { kind: 'log' as const, type: 'grew', subject: 'x', data: {}, id: 0, at: '' };
    expect(matches(log2, {})).toBe(false);
    expect(matches(log2, { kinds: ['log'] })).toBe(true);
    const aborted = new AbortController();
    const pending = nextEvent(log, () => false, aborted.signal);
    aborted.abort();
    await pending;
    await stores.close();
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
