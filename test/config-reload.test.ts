// Issue #17, finding 1: a running server follows its config.toml. `taho reload` re-reads it,
// applies what can change live, names what needs a restart, and refuses a bad file with the
// start-up messages while the server keeps running as it was; a saved file reloads by itself.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';

const cwd = tempDir('taho-reload-');
const dataDir = join(cwd, 'data');
const repo = join(cwd, 'repo');
const cfg = join(cwd, 'config.toml');
let server: Server;

const cli = (...args: string[]) => runCli(args, { cwd, env: { TAHO_DATA_DIR: dataDir } });

/** Waits for the server's own log to say something (a watched file is applied asynchronously). */
async function logged(pattern: RegExp, from: number): Promise<string> {
  for (;;) {
    const m = server.output().slice(from).match(pattern);
    if (m) return m[0];
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  mkdirSync(join(repo, 'mine'), { recursive: true });
  copyFileSync(join(ROOT, 'examples', 'example', 'hello.wasm'), join(repo, 'mine', 'greeter.wasm'));
  writeFileSync(cfg, '[town]\nname = "before"\n');
  server = await startServer({ dataDir, cwd });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('a running server follows config.toml', () => {
  it('its banner says how to stop it, what to run next and where the API is described', async () => {
    await logged(/Ctrl-C drains and stops/, 0); // the banner's last lines follow the announcement
    expect(server.output()).toContain(`  API description: ${server.url}/openapi.json`);
    expect(server.output()).toMatch(/^ {2}Ctrl-C drains and stops; from another terminal: `tt status`/m);
  });

  it('taho reload applies new repositories and presets, and names what needs a restart', async () => {
    expect((await cli('invoke', 'mine/greeter', 'greet', 'x')).exitCode).not.toBe(0);
    writeFileSync(cfg, [
      '[[repositories]]', `path = ${JSON.stringify(repo)}`, '',
      '[town.presets.shell]', 'command = "sh -c true"', '',
      '[agents]', 'workers = 3', '',
      '[town]', 'name = "before"', '',
    ].join('\n'));
    // The watcher may apply the saved file before `taho reload` does: what counts is the result.
    const r = await cli('reload');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^success: 7 components loaded/);
    expect(r.stdout).toMatch(/restart to apply: agents\.workers /);
    const call = await cli('invoke', 'mine/greeter', 'greet', 'World');
    expect(call.stdout.trim()).toBe('Hello, World!');
    const spawn = await cli('spawn', 'sh1', '--cli', 'shell');
    expect(spawn.stderr).toBe('Next: `taho assign sh1 "<task>"` gives it a task; `taho status` shows the town.');
    expect(spawn.exitCode).toBe(0);
  });

  it('taho config shows the running values and where the file differs', async () => {
    const r = await cli('config');
    expect(r.stdout).toContain('values the running server uses');
    expect(r.stdout).toMatch(/agents\.workers\s+2\s+default/);
    expect(r.stdout).toMatch(/agents\.workers\s+2\s+3\s+restart/);
    const json = JSON.parse((await cli('config', '--json')).stdout) as { differences: { key: string; live: boolean }[] };
    expect(json.differences).toEqual([{ key: 'agents.workers', running: 2, file: 3, live: false }]);
  });

  it('refuses a bad file with the start-up message and keeps running as it was', async () => {
    const from = server.output().length;
    writeFileSync(cfg, `[[repositories]]\npath = ${JSON.stringify(repo)}\n\n[town]\nname = "before"\n\n[limits]\ninvoke_timeout_ms = -5\n`);
    // The watcher sees the file first; its refusal is logged, nothing changes.
    expect(await logged(/not applied.*\n?.*invoke_timeout_ms.*/, from)).toContain('[limits] invoke_timeout_ms');
    const r = await cli('reload');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${cfg}: [limits] invoke_timeout_ms: must be >0, got -5`);
    const call = await cli('invoke', 'mine/greeter', 'greet', 'again');
    expect(call.exitCode, call.stderr).not.toBe(0);
    expect(call.stderr).toContain('[limits] invoke_timeout_ms');
    const explicit = await runCli(['invoke', 'mine/greeter', 'greet', 'x', '--config', join(cwd, 'nope.toml')], { cwd, env: { TAHO_DATA_DIR: dataDir } });
    expect(explicit.exitCode).not.toBe(0);
    expect(explicit.stderr).toContain('nope.toml does not exist');
  });

  it('a saved file is applied by itself', async () => {
    const from = server.output().length;
    writeFileSync(cfg, '[town]\nname = "after"\n');
    expect(await logged(/configuration reloaded: .*/, from)).toMatch(/applied repositories, town\.presets\.shell\.command/);
    const call = await cli('invoke', 'mine/greeter', 'greet', 'x');
    expect(call.stderr).toContain('no service mine/greeter');
    const cfgView = await cli('config');
    expect(cfgView.stdout).toMatch(/town\.name\s+"before"/);
    expect(cfgView.stdout).toMatch(/town\.name\s+"before"\s+"after"\s+restart/);
  });
});
