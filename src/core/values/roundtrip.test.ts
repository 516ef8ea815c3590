import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { mulberry32 } from '../../shared/prng.js';

// Property tests through the real calculator component: functions that are their own inverse
// (or the identity for some argument) must hand back exactly what went in, for random values
// of every kind they carry: record, variant, enum, flags, tuple with a string, list<u8>, s64, u64.
let runtime: Runtime;
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'taho-roundtrip-'));
  runtime = createRuntime(loadConfig({ cwd: dir, env: {}, flags: { data_dir: dir } }).config, { isolation: 'inline' });
});
afterAll(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (fn: string, args: unknown[]) => runtime.services.call('example', 'calculator', fn, args);
const rand = mulberry32(424242);
const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
const text = () => String.fromCodePoint(...Array.from({ length: int(0, 12) }, () => [int(0x20, 0x7e), int(0xa0, 0xff), int(0x4e00, 0x4e80), int(0x1f300, 0x1f64f)][int(0, 3)] as number));
const RUNS = 200;

describe('values round-trip through a component', () => {
  it('record: translate(p, 0, 0) = p', async () => {
    for (let i = 0; i < RUNS; i++) {
      const p = { x: int(-(2 ** 31), 2 ** 31 - 1), y: int(-(2 ** 31), 2 ** 31 - 1) };
      expect(await call('translate', [p, 0, 0])).toEqual(p);
    }
  });

  it('tuple with a string: swap(swap(t)) = t, any UTF-8 included', async () => {
    for (let i = 0; i < RUNS; i++) {
      const t = [text(), int(0, 2 ** 32 - 1)];
      const once = (await call('swap', [t])) as [number, string];
      expect(once).toEqual([t[1], t[0]]);
    }
  });

  it('list<u8>: reverse(reverse(b)) = b', async () => {
    for (let i = 0; i < RUNS; i++) {
      const bytes = Array.from({ length: int(0, 300) }, () => int(0, 255));
      const once = (await call('reverse-bytes', [bytes])) as number[];
      expect(await call('reverse-bytes', [once])).toEqual(bytes);
    }
  });

  it('s64 list and u64: sums and parity of values across the whole range', async () => {
    for (let i = 0; i < RUNS; i++) {
      const values = Array.from({ length: int(0, 8) }, () => BigInt(int(-(2 ** 31), 2 ** 31)) * BigInt(int(1, 2 ** 31)));
      const sum = values.reduce((a, b) => a + b, 0n);
      const wrapped = BigInt.asIntN(64, sum);
      const got = await call('sum-list', [values.map(String)]);
      expect(BigInt(got as string | number)).toBe(wrapped);
      const u = BigInt.asUintN(64, BigInt(int(0, 2 ** 31)) * BigInt(int(0, 2 ** 31)) * BigInt(int(0, 4)));
      expect(await call('is-even', [u.toString()])).toBe(u % 2n === 0n);
    }
  });

  it('variant, enum and flags: scale(s, 1) = s, next-color³ = id, toggle-exec² = id', async () => {
    const flagNames = ['read', 'write', 'exec'];
    for (let i = 0; i < RUNS; i++) {
      const s = rand() < 0.5 ? { circle: rand() * 1e6 } : { rectangle: { x: int(-1e6, 1e6), y: int(-1e6, 1e6) } };
      expect(await call('scale', [s, 1])).toEqual(s);
      const c = ['red', 'green', 'blue'][int(0, 2)];
      expect(await call('next-color', [await call('next-color', [await call('next-color', [c])])])).toBe(c);
      const f = flagNames.filter(() => rand() < 0.5);
      expect(await call('toggle-exec', [await call('toggle-exec', [f])])).toEqual(f);
    }
  });

  it('option: or-zero(v) = v ?? 0 and first(list) = list[0] ?? null', async () => {
    for (let i = 0; i < RUNS; i++) {
      const v = rand() < 0.3 ? null : int(-(2 ** 31), 2 ** 31 - 1);
      expect(await call('or-zero', [v])).toBe(v ?? 0);
      const list = Array.from({ length: int(0, 3) }, () => int(-100, 100));
      expect(await call('first', [list])).toBe(list[0] ?? null);
    }
  });
});
