import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { createRuntime, type Runtime } from '../runtime.js';

const dirs: string[] = [];
const runtimes: Runtime[] = [];
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function runtime(flags: Record<string, unknown> = {}): Runtime {
  const dir = mkdtempSync(join(tmpdir(), 'taho-services-'));
  dirs.push(dir);
  const { config } = loadConfig({ cwd: dir, env: {}, flags: { data_dir: dir, ...flags } });
  const r = createRuntime(config, { isolation: 'inline' });
  runtimes.push(r);
  return r;
}

const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code: string }) => e.code);

describe('ServiceManager', () => {
  it('keeps a service usable after a trap', async () => {
    const r = runtime();
    expect(await codeOf(r.services.call('example', 'calculator', 'crash', []))).toBe('TAHO_COMPONENT_TRAP');
    expect(await r.services.call('example', 'calculator', 'add', [1, 2])).toBe(3);
    expect(await codeOf(r.services.call('example', 'calculator', 'countdown', [20_000]))).toBe('TAHO_COMPONENT_TRAP');
    expect(await r.services.call('example', 'calculator', 'countdown', [2])).toEqual([2, 1]);
  });

  it('round-trips every value kind through the calculator component', async () => {
    const r = runtime();
    const call = (m: string, ...args: unknown[]) => r.services.call('example', 'calculator', m, args);
    expect(await call('translate', { x: -1, y: 2 }, 3, -4)).toEqual({ x: 2, y: -2 });
    expect(await call('sum-list', ['9223372036854775807', '-1', 0])).toBe('9223372036854775806');
    expect(await call('first', [])).toBeNull();
    expect(await call('or-zero', null)).toBe(0);
    expect(await call('swap', ['zoë 🦀', 4294967295])).toEqual([4294967295, 'zoë 🦀']);
    expect(await call('area', { circle: 2 })).toBeCloseTo(12.566370614359172);
    expect(await call('scale', { circle: 1.5 }, 2)).toEqual({ circle: 3 });
    expect(await call('next-color', 'green')).toBe('blue');
    expect(await call('toggle-exec', ['read', 'exec'])).toEqual(['read']);
    expect(await call('reverse-bytes', new Uint8Array([1, 2, 3]))).toEqual([3, 2, 1]);
    expect(await call('is-even', '18446744073709551614')).toBe(true);
    expect(await call('clamp-u8', -7)).toBe(0);
    expect(await codeOf(call('clamp-u8', 2 ** 31))).toBe('TAHO_BAD_ARGUMENTS');
  });

  it('caps component memory at [limits] memory_limit_mb', async () => {
    const r = runtime({ 'limits.memory_limit_mb': 1 });
    expect(await r.services.call('example', 'calculator', 'reverse-bytes', [new Uint8Array(100_000)])).toHaveLength(100_000);
    expect(await codeOf(r.services.call('example', 'calculator', 'reverse-bytes', [new Uint8Array(2_000_000)]))).toBe('TAHO_COMPONENT_TRAP');
    const roomy = runtime();
    expect(await roomy.services.call('example', 'calculator', 'reverse-bytes', [new Uint8Array(2_000_000)])).toHaveLength(2_000_000);
  });

  it('supplies WASI clocks and random through host hooks', async () => {
    const r = runtime();
    const seconds = (await r.services.call('example', 'clock', 'seconds', [])) as number;
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(5);
    const rolls = await Promise.all(Array.from({ length: 50 }, () => r.services.call('example', 'clock', 'roll', [6])));
    expect(rolls.every((n) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 6)).toBe(true);
  });

  it('quiesces, refuses calls with a retry hint, and restarts with new config', async () => {
    const r = runtime();
    await r.services.call('example', 'hello', 'greet', ['a']);
    const svc = await r.services.quiesce('example', 'hello');
    expect(svc.state).toBe('stopped');
    const err = await r.services.call('example', 'hello', 'greet', ['b']).catch((e: { code: string; retryAfterMs: number }) => e);
    expect(err).toMatchObject({ code: 'TAHO_SERVICE_UNAVAILABLE', retryAfterMs: 1000 });
    const next = await r.services.restart('example', 'hello', 'x = 1');
    expect(next.state).toBe('ready');
    expect(next.settings.config).toBe('x = 1');
    expect(await r.services.call('example', 'hello', 'greet', ['c'])).toBe('Hello, c!');
  });

  it('names the function forms of exported interfaces and rejects unknown methods with the list', async () => {
    const r = runtime();
    const svc = r.services.get('example', 'calculator');
    expect(svc.methodNames()).toContain('add');
    expect(() => svc.plan('Add')).toThrow(/has no method "Add"; it has: add, div/);
  });
});
