import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';

// A command sent to a server must start fast (tt status' first frame is measured against 0.5 s):
// the in-process runtime and the config schema (zod, ~0.1 s to import) load only when the command
// runs in this process.
const work = tempDir('taho-startup-');
let server: Server;

beforeAll(async () => {
  server = await startServer({ dataDir: join(work, 'served') });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

/** Runs the CLI and returns what it printed and every module URL it resolved. */
async function traced(args: string[], env: Record<string, string>, cwd = ROOT) {
  const trace = join(work, `trace-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(trace, '');
  const r = await execa(process.execPath, ['--import', join(ROOT, 'test', 'fixtures', 'trace-imports.mjs'), BIN, ...args], {
    cwd, reject: false, input: '', env: { NO_COLOR: '1', TAHO_TRACE_FILE: trace, ...env },
  });
  const modules = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), modules };
}

const heavy = (modules: string[]) => modules.filter((m) => /\/dist\/core\/runtime\.js$|\/node_modules\/zod\//.test(m));

describe('CLI start-up', () => {
  it('a command for a server (--url, or the server of the data directory) loads neither the runtime nor the config schema', async () => {
    const byUrl = await traced(['agents', 'list', '--url', server.url], {});
    expect(byUrl.exitCode, byUrl.stderr).toBe(0);
    expect(byUrl.modules.some((m) => m.endsWith('/dist/client/http.js'))).toBe(true);
    expect(heavy(byUrl.modules)).toEqual([]);

    const byDataDir = await traced(['status', '--once'], { TAHO_DATA_DIR: join(work, 'served') });
    expect(byDataDir.exitCode, byDataDir.stderr).toBe(0);
    expect(byDataDir.stdout).toMatch(/^server: the server of this data directory$/m);
    expect(heavy(byDataDir.modules)).toEqual([]);
  });

  it('loads both when the command runs in-process, and still checks the configuration there', async () => {
    const local = await traced(['agents', 'list'], { TAHO_DATA_DIR: join(work, 'local') });
    expect(local.exitCode, local.stderr).toBe(0);
    expect(heavy(local.modules).length).toBeGreaterThan(1);

    const cwd = tempDir('taho-startup-bad-');
    writeFileSync(join(cwd, 'config.toml'), '[http]\nport = "eighty"\n');
    const bad = await runCli(['agents', 'list'], { cwd, env: { TAHO_DATA_DIR: join(work, 'local') } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^Error: invalid configuration:\n {2}.*config\.toml: \[http\] port: expected number, got "eighty"$/m);
    // The same broken file does not stand between a user and a server named by --url.
    const remote = await runCli(['agents', 'list', '--url', server.url], { cwd });
    expect(remote.exitCode, remote.stderr).toBe(0);
  });
});
