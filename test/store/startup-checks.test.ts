import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers.js';
import { post, startServer, type Server } from '../server-helpers.js';

// Finding 3 of the faults issue: a damaged store stops `taho serve` with a message naming the file,
// what is wrong and what to do; nothing is discarded, and it never reads as a bug of taho.

const root = process.getuid?.() === 0;
if (!root) console.warn('skipping the read-only data directory test: it mounts a read-only tmpfs, which needs root (CI runs as root)');

const mounts: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
});

let counter = '';

/** A data directory holding `n` acknowledged increments, left as a stop (or a SIGKILL) leaves it. */
async function written(n: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<string> {
  const data = join(tempDir('taho-startup-checks-'), 'data');
  const server = await startServer({ dataDir: data });
  const list = (await (await fetch(`${server.url}/v1/components`)).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
  counter = list.find((c) => c.componentName === 'example/counter')?.versionedComponentId.componentId ?? '';
  for (let i = 0; i < n; i++) expect((await increment(server, `k${i}`)).status).toBe(200);
  await server.stop(signal);
  return data;
}

const increment = (server: Server, key: string) => post(`${server.url}/v1/components/${counter}/workers/c/invoke-and-await?function=increment`, { params: [{ value: 1 }] }, { 'idempotency-key': key });

async function counted(data: string): Promise<number> {
  const server = await startServer({ dataDir: data });
  try {
    const r = await post(`${server.url}/v1/components/${counter}/workers/c/invoke-and-await?function=get`, { params: [] });
    return Number(((await r.json()) as { result: { value: number } }).result.value);
  } finally {
    await server.stop();
  }
}

/** `taho serve` on this data directory: it must refuse to start. */
async function refused(data: string) {
  const r = await runCli(['serve', '--port', '0'], { env: { TAHO_DATA_DIR: data }, timeout: 60_000 });
  expect(r.exitCode, r.stdout + r.stderr).not.toBe(0);
  expect(r.stdout).not.toMatch(/listening on/);
  expect(r.stderr).not.toMatch(/bug in taho|internal error|\n\s+at /i);
  return r.stderr;
}

describe('taho serve refuses a store that would start with less than it acknowledged', () => {
  beforeAll(async () => {
    // Fills `counter` and warms the transpile cache of the shared machine before the timed parts.
    await written(1);
  }, 120_000);

  it('an empty taho.db: names the file, says it is empty, and points at restore or doctor --repair', async () => {
    const data = await written(5);
    const file = join(data, 'taho.db');
    truncateSync(file, 0);
    const err = await refused(data);
    expect(err).toContain(`Error: the store ${file} is empty (0 bytes)`);
    expect(err).toMatch(/Hint: Nothing was changed\. Restore .*taho\.db from a backup, or start over with an empty store: `taho doctor --repair --data-dir .*` moves the empty file aside/);
    expect(statSync(file).size).toBe(0);
  });

  it('a taho.db cut in half: names the file and its sizes', async () => {
    const data = await written(30);
    const file = join(data, 'taho.db');
    const size = statSync(file).size;
    truncateSync(file, Math.floor(size / 2 / 4096) * 4096);
    const err = await refused(data);
    expect(err).toMatch(new RegExp(`Error: the store ${file} is cut short: \\d+ bytes, where its header says ${size}`));
    expect(err).toContain('taho doctor --repair');
  });

  it('a WAL damaged after a SIGKILL: refused instead of starting with the counter rolled back, and starts whole once the damage is undone', async () => {
    const data = await written(50, 'SIGKILL');
    const wal = join(data, 'taho.db-wal');
    const original = readFileSync(wal);
    expect(original.length).toBeGreaterThan(32 + 10 * (24 + 4096));
    // Damage the page of the WAL's third frame: SQLite would replay up to it and drop the rest.
    const fd = openSync(wal, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, 32 + 2 * (24 + 4096) + 24 + 1000);
    closeSync(fd);
    const err = await refused(data);
    expect(err).toMatch(new RegExp(`Error: the WAL ${wal} does not replay cleanly: frame 3 of its \\d+ is damaged, and \\d+ committed writes after it would be dropped`));
    expect(err).toContain('taho doctor --repair');
    // Nothing was discarded: with the bytes put back, every acknowledged increment is there.
    writeFileSync(wal, original);
    expect(await counted(data)).toBe(50);
  });

  it('an earlier version\'s empty town.db: refused before it would migrate as nothing', async () => {
    const data = await written(1);
    writeFileSync(join(data, 'town.db'), '');
    const err = await refused(data);
    expect(err).toContain(`Error: the store ${join(data, 'town.db')} is empty (0 bytes)`);
    expect(err).toContain('it was to be copied into');
  });

  it.skipIf(!root)('a read-only data directory: named as such, not as a bug', async () => {
    const data = tempDir('taho-ro-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', data]);
    mounts.push(data);
    const server = await startServer({ dataDir: data });
    await server.stop();
    execFileSync('mount', ['-o', 'remount,ro', data]);
    const err = await refused(data);
    expect(err).toContain(`Error: the data directory ${data} is read-only (a read-only file system): taho cannot write its store ${join(data, 'taho.db')}`);
    expect(err).toMatch(/Hint: Nothing was changed\. Make .* writable/);
  });
});
