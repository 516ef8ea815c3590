import { describe, expect, it } from 'vitest';
import { InvocationStats } from './invocations.js';

const T0 = 1_800_000_000_000; // a whole second

describe('InvocationStats', () => {
  it('counts calls and errors per second over the last minute, oldest first', () => {
    const s = new InvocationStats();
    for (let i = 0; i < 5; i++) s.record(1, true, T0 + 100);
    s.record(1, false, T0 + 900);
    s.record(1, true, T0 + 2_000);
    const snap = s.snapshot(T0 + 2_500);
    expect(snap.perSecond).toHaveLength(60);
    expect(snap.perSecond.slice(-3)).toEqual([6, 0, 1]);
    expect(snap.errorsPerSecond.slice(-3)).toEqual([1, 0, 0]);
    expect(snap).toMatchObject({ count: 7, errors: 1, windowS: 60 });
    // A minute later those seconds have left the window, and their slots are reused cleanly.
    s.record(1, true, T0 + 61_000);
    const later = s.snapshot(T0 + 61_500);
    expect(later.count).toBe(2); // the call at +2 s is still inside (+2 … +61)
    expect(later.perSecond.at(-1)).toBe(1);
  });

  it('gives p50 and p99 within a bucket (±10 %) of the true values', () => {
    const s = new InvocationStats();
    // 1 000 calls: 980 take 0.2 ms, 20 take 40 ms.
    for (let i = 0; i < 980; i++) s.record(0.2, true, T0);
    for (let i = 0; i < 20; i++) s.record(40, true, T0);
    const { p50Ms, p99Ms } = s.snapshot(T0);
    expect(p50Ms).toBeGreaterThan(0.2 * 0.9);
    expect(p50Ms).toBeLessThan(0.2 * 1.1);
    expect(p99Ms).toBeGreaterThan(40 * 0.9);
    expect(p99Ms).toBeLessThan(40 * 1.1);
    expect(new InvocationStats().snapshot(T0)).toMatchObject({ count: 0, p50Ms: undefined, p99Ms: undefined });
  });

  it('counts every call through begin/end but times only one in eight once a second has 100 timed', () => {
    const s = new InvocationStats();
    let timed = 0;
    const firstSecond = Math.floor(Date.now() / 1000);
    // Far fewer than a second's worth of work: all in one or two seconds.
    for (let i = 0; i < 900; i++) {
      const t0 = s.begin();
      if (t0 >= 0) timed += 1;
      s.end(t0, i % 100 !== 0);
    }
    const snap = s.snapshot();
    expect(snap.count).toBe(900);
    expect(snap.errors).toBe(9);
    expect(timed).toBeGreaterThanOrEqual(100 + Math.floor(800 / 8));
    // Each second the loop spans (a loaded machine may stretch it) times its first 100 calls in full.
    const seconds = Math.floor(Date.now() / 1000) - firstSecond + 1;
    expect(timed).toBeLessThanOrEqual(100 * seconds + Math.ceil(900 / 8));
    expect(snap.p50Ms).toBeDefined();
  });
});
