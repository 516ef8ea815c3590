import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers.js';
import { post, startServer, type Server } from './server-helpers.js';

// From an empty directory with the built CLI, as a user would: `taho new` for each kind, one
// `taho build`, then calls through every family, a server killed with SIGKILL in between.
// componentize-js takes ~30 s of CPU a component, so builds share a cache keyed by their sources:
// only the first run on a machine pays for them.
const work = tempDir('taho-build-');
const dataDir = join(work, '.taho');
const env = {
  TAHO_BUILD_CACHE: process.env.TAHO_BUILD_CACHE ?? join(ROOT, 'node_modules', '.cache', 'taho-build'),
  // Snapshots every 2 entries, so rebuilding the agent loads one and replays the calls after it.
  TAHO__AGENTS__SNAPSHOT_EVERY: '2',
};
const taho = (args: readonly string[]) => runCli(args, { cwd: work, env });
let server: Server | undefined;

afterAll(async () => {
  await server?.stop();
});

async function settled(url: string, id: string): Promise<{ state: string; result: string | null }> {
  for (;;) {
    const t = (await (await fetch(`${url}/v1/tasks/${id}`)).json()) as { state: string; result: string | null };
    if (['completed', 'failed', 'cancelled'].includes(t.state)) return t;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('taho new + taho build, from an empty directory', () => {
  it('scaffolds an agent, a service and a job; writes config.toml listing their repository', async () => {
    const agent = await taho(['new', 'demo/notes', '--kind', 'agent']);
    expect(agent.exitCode, agent.stderr).toBe(0);
    expect(agent.stdout).toContain('Created agent demo/notes in components/demo/notes/');
    expect(agent.stdout).toContain('Wrote config.toml, listing its repository.');
    expect(agent.stdout).toContain("taho agents invoke demo/notes/a1 add '\"buy milk\"'");
    expect((await taho(['new', 'demo/greeter'])).stdout).toContain('Created service demo/greeter');
    expect((await taho(['new', 'demo/hello', '--kind', 'job'])).stdout).toContain('taho wasm run components/demo/hello.wasm');
    expect(readdirSync(join(work, 'components', 'demo')).sort()).toEqual(['greeter', 'hello', 'notes']);

    const again = await taho(['new', 'demo/notes']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('Error: components/demo/notes already exists; taho new never overwrites a project');
    const taken = await taho(['new', 'example/hello']);
    expect(taken.stderr).toMatch(/Error: example\/hello is already served from .*hello\.wasm/);
  }, 300_000);

  it('builds all three into the repository, and the running server reloads them', async () => {
    server = await startServer({ dataDir, cwd: work, env });
    const built = await taho(['build']);
    expect(built.exitCode, built.stderr).toBe(0);
    for (const id of ['demo/greeter', 'demo/hello', 'demo/notes']) {
      expect(built.stdout).toMatch(new RegExp(`^${id}: built (\\(from the cache[^)]*\\) )?components/${id}\\.wasm`, 'm'));
    }
    expect(built.stdout).toMatch(/^server reloaded: added demo.greeter, added demo.hello, added demo.notes$/m);
    expect(built.stderr).toMatch(/demo\/notes: (componentize|typecheck)…|^$/);

    const unchanged = await taho(['build']);
    expect(unchanged.stdout.trim().split('\n').map((l) => l.replace(/ \(.*$/, ''))).toEqual([
      'demo/greeter: unchanged components/demo/greeter.wasm',
      'demo/hello: unchanged components/demo/hello.wasm',
      'demo/notes: unchanged components/demo/notes.wasm',
    ]);
    expect(unchanged.stderr).toBe('');
  }, 600_000);

  it('serves the service over HTTP, results and errors included', async () => {
    const url = server?.url ?? '';
    const greet = await post(`${url}/api/services/demo/greeter/invoke/greet`, 'World');
    expect(await greet.json()).toEqual({ result: 'Hello, World!' });
    const shout = await post(`${url}/api/services/demo/greeter/invoke/shout`, '');
    expect(await shout.json()).toMatchObject({ error: { code: 'TAHO_COMPONENT_ERROR', details: { error: 'nothing to shout' } } });
  }, 60_000);

  it('keeps a durable agent\'s state, clock readings included, across calls and a SIGKILL of the server', async () => {
    expect((await taho(['agents', 'invoke', 'demo/notes/a1', 'add', '"milk"'])).stdout.trim()).toBe('1');
    expect((await taho(['agents', 'invoke', 'demo/notes/a1', 'add', '"eggs"'])).stdout.trim()).toBe('2');
    const before = JSON.parse((await taho(['agents', 'invoke', 'demo/notes/a1', 'all'])).stdout) as { text: string; at: string }[];
    expect(before.map((n) => n.text)).toEqual(['milk', 'eggs']);

    await server?.stop('SIGKILL');
    server = undefined;
    // In this process now (no server): the agent is rebuilt from its snapshot and oplog.
    const after = await taho(['agents', 'invoke', 'demo/notes/a1', 'all']);
    expect(after.exitCode, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual(before);
    expect((await taho(['agents', 'invoke', 'demo/notes/a1', 'add', '"bread"'])).stdout.trim()).toBe('3');

    server = await startServer({ dataDir, cwd: work, env });
    const served = JSON.parse((await taho(['agents', 'invoke', 'demo/notes/a1', 'all'])).stdout) as { text: string; at: string }[];
    expect(served.slice(0, 2)).toEqual(before);
    expect(served.map((n) => n.text)).toEqual(['milk', 'eggs', 'bread']);
  }, 300_000);

  it('runs the agent as a town agent (component:demo/notes): a task is one durable call', async () => {
    const url = server?.url ?? '';
    expect((await post(`${url}/v1/agents`, { name: 'n1', cli: 'component:demo/notes' })).status).toBe(201);
    const task = (await (await post(`${url}/v1/tasks/assign`, { agent: 'n1', task: 'water the plants' })).json()) as { task_id: string };
    expect(await settled(url, task.task_id)).toMatchObject({ state: 'completed', result: 'noted "water the plants" (1 note)' });
    const empty = (await (await post(`${url}/v1/tasks/assign`, { agent: 'n1', task: ' ' })).json()) as { task_id: string };
    expect(await settled(url, empty.task_id)).toMatchObject({ state: 'failed', result: expect.stringContaining('an empty task') });
    await server?.stop();
    server = undefined;
  }, 300_000);

  it('runs the job with its arguments; a thrown error fails it', async () => {
    const ok = await taho(['wasm', 'run', 'components/demo/hello.wasm', 'a', 'b']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('hello from demo/hello: a b');
    const failed = await taho(['wasm', 'run', 'components/demo/hello.wasm', 'fail']);
    expect(failed.exitCode).toBe(1);
    expect(existsSync(join(work, 'components', 'demo', 'hello.wasm'))).toBe(true);
  }, 300_000);
});
