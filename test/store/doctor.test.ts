import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers.js';
import { post, startServer, type Server } from '../server-helpers.js';

// `taho doctor [--repair]`: a data directory checked offline, and the safe repairs, each keeping
// the original files.

let counter = '';

async function written(n: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<string> {
  const data = join(tempDir('taho-doctor-'), 'data');
  const server = await startServer({ dataDir: data });
  counter = await counterId(server);
  for (let i = 0; i < n; i++) expect((await call(server, 'increment', [{ value: 1 }])).status).toBe(200);
  await server.stop(signal);
  return data;
}

async function counterId(server: Server): Promise<string> {
  const list = (await (await fetch(`${server.url}/v1/components`)).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
  return list.find((c) => c.componentName === 'example/counter')?.versionedComponentId.componentId ?? '';
}

const call = (server: Server, fn: string, params: unknown[]) => post(`${server.url}/v1/components/${counter}/workers/c/invoke-and-await?function=${fn}`, { params });

async function counted(data: string): Promise<number> {
  const server = await startServer({ dataDir: data });
  try {
    return Number(((await (await call(server, 'get', [])).json()) as { result: { value: number } }).result.value);
  } finally {
    await server.stop();
  }
}

const doctor = (data: string, ...flags: string[]) => runCli(['doctor', ...flags], { env: { TAHO_DATA_DIR: data }, timeout: 60_000 });
const backups = (data: string) => readdirSync(data).filter((f) => f.startsWith('backup-')).map((f) => join(data, f));

describe('taho doctor', () => {
  it('a healthy data directory: each check ok, exit 0; a lease left by a killed server is a note, released by --repair', async () => {
    const clean = await written(3);
    const ok = await doctor(clean);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`ok       ${join(clean, 'taho.db')}: every page checks out (integrity_check)`);
    expect(ok.stdout).toMatch(/^ok {7}schema version 1$/m);
    expect(ok.stdout).toMatch(/^healthy$/m);

    const killed = await written(3, 'SIGKILL');
    const found = await doctor(killed);
    expect(found.exitCode, found.stdout).toBe(0);
    expect(found.stdout).toMatch(/^note {5}the (jobs|town) lease is held by pid \d+, which is gone \(a process that was killed\)$/m);
    expect(found.stdout).toMatch(/server\.json names a server that is gone/);
    const repaired = await doctor(killed, '--repair', '--json');
    expect(repaired.exitCode).toBe(0);
    const report = JSON.parse(repaired.stdout) as { healthy: boolean; findings: { what: string; repaired?: string }[] };
    expect(report.healthy).toBe(true);
    expect(report.findings.filter((f) => f.repaired?.startsWith('released the')).length).toBe(2);
    expect((await doctor(killed)).stdout).not.toMatch(/which is gone/);
    expect(await counted(killed)).toBe(3);
  });

  it('a WAL damaged after a SIGKILL: found, and --repair keeps what replays in a new taho.db with both originals in a backup folder', async () => {
    const data = await written(50, 'SIGKILL');
    const wal = join(data, 'taho.db-wal');
    // Past the first transactions (the schema's is the largest), so some writes replay before the damage.
    const frame = Math.floor((statSync(wal).size - 32) / (24 + 4096) * 0.6);
    const fd = openSync(wal, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, 32 + frame * (24 + 4096) + 24 + 1000);
    closeSync(fd);
    const damaged = { db: readFileSync(join(data, 'taho.db')), wal: readFileSync(wal) };
    const found = await doctor(data);
    expect(found.exitCode).toBe(1);
    expect(found.stdout).toMatch(new RegExp(`^problem {2}the WAL .*taho\\.db-wal does not replay cleanly: frame ${frame + 1} of its \\d+ is damaged, and \\d+ committed writes after it would be dropped$`, 'm'));
    expect(found.stdout).toMatch(/^1 problem left/m);
    const repaired = await doctor(data, '--repair');
    expect(repaired.exitCode, repaired.stdout + repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/repaired: kept what could be read \(\d+ rows, VACUUM INTO\) in a new .*taho\.db; the original files are in .*backup-/);
    const [backup] = backups(data);
    expect(readFileSync(join(backup as string, 'taho.db')).equals(damaged.db)).toBe(true);
    expect(readFileSync(join(backup as string, 'taho.db-wal')).equals(damaged.wal)).toBe(true);
    const after = await doctor(data);
    expect(after.exitCode, after.stdout).toBe(0);
    // What replayed before the damage: some of the 50, never more.
    const n = await counted(data);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(50);
  });

  it('a taho.db cut in half: --repair keeps what can be read, and taho serve starts on it', async () => {
    const data = await written(200);
    const file = join(data, 'taho.db');
    truncateSync(file, Math.floor(statSync(file).size / 2 / 4096) * 4096);
    expect((await doctor(data)).stdout).toMatch(/^problem {2}the store .* is cut short/m);
    const repaired = await doctor(data, '--repair');
    expect(repaired.exitCode, repaired.stdout + repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/repaired: kept what could be read/);
    expect(existsSync(join(backups(data)[0] as string, 'taho.db'))).toBe(true);
    expect(await counted(data)).toBeLessThanOrEqual(200);
  });

  it('refuses --repair while taho serve runs on the directory, and checks it all the same without --repair', async () => {
    const data = join(tempDir('taho-doctor-live-'), 'data');
    const server = await startServer({ dataDir: data });
    try {
      const refused = await doctor(data, '--repair');
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toMatch(/^Error: taho serve \(pid \d+, .*\) runs on .*: a repair must not change files under it$/m);
      const checked = await doctor(data);
      expect(checked.exitCode, checked.stdout).toBe(0);
      expect(checked.stdout).toMatch(/^note {5}taho serve \(pid \d+\) runs on this data directory/m);
    } finally {
      await server.stop();
    }
  });
});
