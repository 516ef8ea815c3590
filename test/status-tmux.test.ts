import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';

// `tt status` in a real terminal: tmux gives it a TTY of a known size, and capture-pane reads the
// screen as a user sees it.
const work = tempDir('taho-status-tmux-');
const session = `taho-status-${process.pid}`;
let server: Server;

const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', session);

beforeAll(async () => {
  expect(existsSync('/usr/bin/tmux') || existsSync('/usr/local/bin/tmux'), 'this test needs tmux (npm test installs it: scripts/test-tools.mjs)').toBe(true);
  writeFileSync(join(work, 'config.toml'), `[town.presets.script]\ncommand = "${process.execPath} ${join(ROOT, 'examples', 'town', 'script-agent.mjs')}"\n[town]\nheartbeat_ms = 200\n`);
  server = await startServer({ dataDir: join(work, 'data'), cwd: work });
}, 60_000);

afterAll(async () => {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone
  }
  await server?.stop();
});

/** Polls the screen until `pred` holds; returns every distinct screen seen on the way. */
async function watchScreen(pred: (s: string) => boolean, ms = 60_000): Promise<string[]> {
  const seen: string[] = [];
  const end = Date.now() + ms;
  for (;;) {
    const s = screen();
    if (seen.at(-1) !== s) seen.push(s);
    if (pred(s)) return seen;
    if (Date.now() > end) throw new Error(`the screen never showed what was expected; last:\n${s}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tt status in a real terminal', () => {
  it('shows the agent going Working → Idle and the job Running → Stopped, live; q exits 0', async () => {
    expect((await runCli(['spawn', 'ada', '--cli', 'script', '--url', server.url])).exitCode).toBe(0);
    const script = join(work, 'status.sh');
    const exitFile = join(work, 'exit');
    // CI=true on purpose: Ink renders only the last frame in CI, and the dashboard must stay live
    // for a user whose shell exports it (CI machines do).
    writeFileSync(script, `#!/bin/sh\ncd '${ROOT}'\nCI=true '${process.execPath}' '${BIN}' status --url '${server.url}'\necho $? > '${exitFile}'\nsleep 30\n`);
    chmodSync(script, 0o755);
    tmux('new-session', '-d', '-s', session, '-x', '140', '-y', '45', script);
    await watchScreen((s) => /Town agents \(1\)/.test(s) && /^│ (?:› |  )?ada\s+Idle/m.test(s));

    // Each state is held until the screen has shown it: the round waits for a file, the job
    // loops until stopped; nothing depends on catching a short state between two samples.
    const release = join(work, 'release');
    expect((await runCli(['assign', 'ada', `until ${release}`, '--url', server.url])).exitCode).toBe(0);
    const wasm = join(ROOT, 'examples', 'jobs', 'wasm', 'hello-wasi.wasm');
    const job = await runCli(['wasm', 'run', wasm, 'loop', '--no-wait', '--url', server.url]);
    expect(job.exitCode).toBe(0);
    const jobId = job.stdout.trim();
    await watchScreen((s) => /^│ (?:› |  )?ada\s+Working/m.test(s) && /j-[0-9a-f]{6}\s+-\s+Running/.test(s));
    writeFileSync(release, '');
    expect((await runCli(['jobs', 'stop', jobId, '--url', server.url])).exitCode).toBe(0);
    const seen = await watchScreen((s) => /^│ (?:› |  )?ada\s+Idle\s+-\s+1/m.test(s) && /j-[0-9a-f]{6}\s+-\s+Stopped/.test(s));
    expect(seen.at(-1)).toMatch(/● live/);

    tmux('send-keys', '-t', session, 'q');
    while (!existsSync(exitFile)) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
  }, 180_000);
});
