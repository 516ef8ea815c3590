// Issue #17, finding 3: the 8-character ids that views print are accepted wherever a full id is,
// for every kind, with the rule jobs already had (a unique prefix, else "ambiguous").
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';

const dir = tempDir('taho-short-ids-');
const dataDir = join(dir, 'data');
let server: Server;
const tt = (...args: string[]) => runCli(args, { cwd: dir, env: { TAHO_DATA_DIR: dataDir } });

beforeAll(async () => {
  server = await startServer({ dataDir, cwd: dir });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('short ids', { timeout: 120_000 }, () => {
  it('tasks: task show, explain and backlog claim take the 8 characters views print', async () => {
    const added = await tt('backlog', 'add', 'write', 'the', 'notes');
    const id = /task ([0-9a-f-]{36}) added/.exec(added.stdout)?.[1] as string;
    const short = id.slice(0, 8);
    const show = await tt('task', 'show', short);
    expect(show.stderr).toBe('');
    expect(show.stdout).toContain(id);
    const explained = await tt('explain', short, '--json');
    expect(explained.stderr).toBe('');
    expect(JSON.parse(explained.stdout)).toMatchObject({ kind: 'task', task: { id } });
    expect((await tt('spawn', 'rev', '--cli', 'component:example/reviewer')).exitCode).toBe(0);
    const claimed = await tt('backlog', 'claim', short, 'rev');
    expect(claimed.stderr).toBe('');
    expect(claimed.stdout).toBe(`task ${id} claimed by rev`);
  });

  it('agents: explain and logs take an agent\'s short id', async () => {
    const list = JSON.parse((await tt('list', '--json')).stdout) as { name: string; id: string }[];
    const rev = list.find((a) => a.name === 'rev') as { id: string };
    const explained = await tt('explain', rev.id.slice(0, 8), '--json');
    expect(explained.stderr).toBe('');
    expect(JSON.parse(explained.stdout)).toMatchObject({ kind: 'agent', agent: { name: 'rev' } });
  });

  it('components: by short id in components get and agents invoke', async () => {
    const all = JSON.parse((await tt('components', '--json')).stdout) as { id: string; name: string }[];
    const counter = all.find((c) => c.name === 'example/counter') as { id: string };
    const get = await tt('components', 'get', counter.id.slice(0, 8), '--json');
    expect(get.stderr).toBe('');
    expect(JSON.parse(get.stdout)).toMatchObject({ name: 'example/counter' });
    const inv = await tt('agents', 'invoke', `${counter.id.slice(0, 8)}/c1`, 'increment', '2');
    expect(inv.stderr).toBe('');
    expect(inv.stdout.trim()).toBe('2');
  });

  it('an unknown short id is named, and a non-id is not called an invalid task id', async () => {
    const r = await tt('explain', 'fffffff0');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Error: No agent or task fffffff0$/m);
    expect(r.stderr).not.toContain('/v1/');
  });
});
