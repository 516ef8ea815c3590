import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers.js';

// The bundled TypeScript examples, built from source as a user would (a copy, so the checkout
// stays clean), then called. Builds come from the shared cache after the first run.
const work = tempDir('taho-ts-examples-');
const env = {
  TAHO_BUILD_CACHE: process.env.TAHO_BUILD_CACHE ?? join(ROOT, 'node_modules', '.cache', 'taho-build'),
  TAHO__AGENTS__SNAPSHOT_EVERY: '2',
};
const taho = (args: readonly string[]) => runCli(args, { cwd: work, env });
const value = async (args: readonly string[]): Promise<unknown> => {
  const r = await taho(args);
  expect(r.exitCode, r.stderr).toBe(0);
  // Strings are printed as they are, everything else as JSON.
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch {
    return r.stdout.trim();
  }
};

beforeAll(async () => {
  cpSync(join(ROOT, 'examples', 'typescript'), join(work, 'typescript'), { recursive: true });
  writeFileSync(join(work, 'config.toml'), '[[repositories]]\npath = "typescript"\n');
  const r = await taho(['build', 'typescript']);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^example-ts\/inventory: built/m);
  expect(r.stdout).toMatch(/^example-ts\/journal: built/m);
}, 600_000);

const items = [
  { sku: 'tea', name: 'Green tea', qty: 3, 'price-cents': 450 },
  { sku: 'mug', name: 'Mug', qty: 0, 'price-cents': 1200 },
];

describe('examples/typescript', () => {
  it('inventory: records, lists, options, u64 and results round-trip', async () => {
    expect(await value(['invoke', 'example-ts/inventory', 'in-stock', JSON.stringify(items), '1'])).toEqual([items[0]]);
    expect(await value(['invoke', 'example-ts/inventory', 'find', JSON.stringify(items), 'mug'])).toEqual(items[1]);
    expect(await value(['invoke', 'example-ts/inventory', 'find', JSON.stringify(items), 'pen'])).toBeNull();
    expect(await value(['invoke', 'example-ts/inventory', 'summarize', JSON.stringify(items)])).toEqual({ lines: 2, units: 3, 'total-cents': 1350 });
    expect(await value(['invoke', 'example-ts/inventory', 'parse-line', '"tea x 2"'])).toEqual({ sku: 'tea', qty: 2 });
    const bad = await taho(['invoke', 'example-ts/inventory', 'parse-line', '"two teas"']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('"two teas" is not "<sku> x <qty>"');
  }, 300_000);

  it('journal: a durable agent keeps its counts and clock readings through snapshots and replay', async () => {
    expect(await value(['agents', 'invoke', 'example-ts/journal/j1', 'last-written'])).toBeNull();
    expect(await value(['agents', 'invoke', 'example-ts/journal/j1', 'write', '"the cat and the hat"'])).toBe(4);
    const at = await value(['agents', 'invoke', 'example-ts/journal/j1', 'last-written']);
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await value(['agents', 'invoke', 'example-ts/journal/j1', 'write', '"The end"'])).toBe(5);
    const last = await value(['agents', 'invoke', 'example-ts/journal/j1', 'last-written']);
    expect(last).not.toBe(at);
    expect(await value(['agents', 'invoke', 'example-ts/journal/j2', 'write', '"another agent"'])).toBe(2);
    // Every call above ran in a new process: the agent was rebuilt each time (from a snapshot
    // every two entries), and the clock reading is the one first recorded.
    expect(await value(['agents', 'invoke', 'example-ts/journal/j1', 'top', '2'])).toEqual([{ word: 'the', count: 3 }, { word: 'and', count: 1 }]);
    const oplog = await taho(['agents', 'oplog', 'example-ts/journal/j1']);
    expect(oplog.stdout).toMatch(/write\("the cat and the hat"\) = 4 .*host: .*wall/);
    expect(await value(['agents', 'invoke', 'example-ts/journal/j1', 'last-written'])).toBe(last);
  }, 300_000);
});
