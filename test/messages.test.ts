// Issue #17, finding 5: messages that were wrong, each checked through the built CLI.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers.js';

const dir = tempDir('taho-messages-');
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env: { TAHO_DATA_DIR: join(dir, 'data'), ...env } });

describe('messages a user meets first', { timeout: 120_000 }, () => {
  it('an argument that is not JSON is called that, not "an object"', async () => {
    const r = await cli(['invoke', 'example/calculator', 'translate', '{x:1}', '3', '4']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Error: parameter `p` of translate expects point, but \{x:1\} is not valid JSON: /m);
    expect(r.stderr).not.toContain('(an object)');
    expect(r.stderr).toMatch(/^Hint: .*double quotes/m);
  });

  it('an agent invoke without an agent name says the name is missing', async () => {
    const r = await cli(['agents', 'invoke', 'example/counter', 'increment', '1']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Error: "example\/counter" is a component; name the agent too: example\/counter\/<agent>$/m);
    expect(r.stderr).not.toContain('no component example');
  });

  it("a component's err result is an Error: line on stderr, exit 1; --json keeps the value", async () => {
    const r = await cli(['agents', 'invoke', 'example/cart/empty', 'checkout']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: example\/cart\/empty checkout returned an error: cart is empty$/m);
    const json = await cli(['agents', 'invoke', 'example/cart/empty', 'checkout', '--json']);
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ result: { value: { err: 'cart is empty' } } });
  });

  it('spawn and assign say what to do next', async () => {
    const spawned = await cli(['spawn', 'ada', '--cli', 'component:example/reviewer']);
    expect(spawned.exitCode).toBe(0);
    expect(spawned.stderr).toBe('Next: `taho assign ada "<task>"` gives it a task; `taho status` shows the town (rounds run while `taho serve` runs).');
    const assigned = await cli(['assign', 'ada', 'review', 'it']);
    expect(assigned.stderr).toMatch(/^Next: `taho logs ada -f` follows its round; `taho explain [0-9a-f]{8}` says where the task is\.$/m);
    expect((await cli(['assign', 'ada', 'x', '--json'])).stderr).not.toContain('Next:');
  });

  it('tt logs for a round that does not exist says so', async () => {
    const r = await cli(['logs', 'ada', '--round', '3']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Error: agent ada has no round 3: it has run no round yet$/m);
  });

  it('jobs run --id-only --follow prints the id, then the logs', async () => {
    const r = await cli(['jobs', 'run', join(ROOT, 'examples', 'jobs', 'hello-wasi.yaml'), '--id-only', '--follow']);
    expect(r.exitCode, r.stderr).toBe(0);
    const [id, ...logs] = r.stdout.split('\n');
    expect(id).toMatch(/^j-[0-9a-f-]{36}$/);
    expect(logs.join('\n')).toContain('hello from wasm job from yaml');
    expect(r.stderr).toContain('a line on stderr from the wasm job');
  });

  it('spawning with a CLI that is not installed is refused', async () => {
    const r = await cli(['spawn', 'x', '--cli', 'claude'], { PATH: tempDir('taho-empty-path-') });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Error: agent CLI 'claude' is not installed: claude is not on PATH$/m);
    expect((await cli(['list'])).stdout).not.toMatch(/^x\s/m);
  });
});
