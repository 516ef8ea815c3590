import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../src/shared/process.js';
import { BIN, pathWith, ROOT, runCli, tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';
import { until } from './until.js';
import { HttpClient } from '../src/client/http.js';
import type { TahoEvent } from '../src/client/contract.js';

// The town CLI (`tt spawn`, `tt assign`, …) as a user runs it: real child processes, against a
// real `taho serve` (rounds run there) and in-process (no server: state only, nothing runs).

const work = tempDir('taho-town-cli-');
const script = join(ROOT, 'examples/town/script-agent.mjs');
const command = `"${process.execPath}" "${script}"`;
writeFileSync(join(work, 'config.toml'), `[town]\nname = "testtown"\n[town.presets.script]\ncommand = ${JSON.stringify(command)}\n`);

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
const json = <T>(text: string): T => JSON.parse(text) as T;


interface Task { id: string; state: string; result: string | null; assigned_to: string | null }
interface AgentRow { id: string; name: string; state: string; inbox_len: number }

// Each CLI call is a fresh Node process (about a second of CPU): generous limits for busy machines.
describe('town CLI against a server', { timeout: 120_000 }, () => {
  const dataDir = join(work, 'data');
  let server: Server;
  const tt = (args: string[]) => runCli([...args, '--url', server.url], { cwd: work, env: { TAHO_DATA_DIR: dataDir } });
  /** The server's view of a task, read directly (cheaper than a CLI process per poll). */
  const task = async (id: string): Promise<Task> => (await fetch(`${server.url}/v1/tasks/${id}`)).json() as Promise<Task>;
  const settled = (id: string, state: string) => until(`task ${id} ${state}`, async () => {
    const t = await task(id);
    return t.state === state ? t : undefined;
  });
  const agents = async (): Promise<AgentRow[]> => json<AgentRow[]>((await tt(['list', '--json'])).stdout);
  /** The server's view of the agents, read directly. */
  const state = async (name: string): Promise<string | undefined> =>
    ((await (await fetch(`${server.url}/v1/status`)).json()) as { agents: AgentRow[] }).agents.find((a) => a.name === name)?.state;

  beforeAll(async () => {
    server = await startServer({ dataDir, cwd: work });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('spawns agents that list shows Idle', async () => {
    const [s, s2] = await Promise.all([tt(['spawn', 'w1', '--cli', 'script']), tt(['town', 'spawn', 'w2', '--cli', 'script'])]);
    expect(s).toMatchObject({ exitCode: 0 });
    expect(s.stdout).toMatch(/^agent w1: spawned \(cli script, id [0-9a-f-]{36}\)$/);
    expect(s2.stdout).toMatch(/^agent w2: spawned/);
    const [list, rows] = await Promise.all([tt(['town', 'list']), agents()]);
    expect(list.stdout).toMatch(/^NAME\s+STATE\s+CLI\s+ROUNDS\s+TASKS\s+INBOX\s+ID$/m);
    expect(list.stdout).toMatch(/^w1\s+Idle\s+script\s+0\s+0\s+0\s+[0-9a-f]{8}$/m);
    expect(rows.map((r) => [r.name, r.state]).sort()).toEqual([['w1', 'Idle'], ['w2', 'Idle']]);
  });

  it('runs assigned tasks: one completes with its output, a failing one ends failed; logs prints the output', async () => {
    const [ok, bad] = await Promise.all([tt(['assign', 'w1', 'write', 'the', 'notes', '--json']), tt(['assign', 'w1', 'please fail now', '--json'])]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).not.toContain('no taho server'); // a server runs the rounds: no "only queued" note
    const okId = json<{ task_id: string }>(ok.stdout).task_id;
    const badId = json<{ task_id: string }>(bad.stdout).task_id;
    await Promise.all([settled(okId, 'completed'), settled(badId, 'failed')]);
    const [show, showBad, human, r1, r2, last] = await Promise.all([
      tt(['task', 'show', okId, '--json']), tt(['task', 'show', badId, '--json']), tt(['task', 'show', okId]),
      tt(['logs', 'w1', '--round', '1']), tt(['logs', 'w1', '--round', '2']), tt(['logs', 'w1']),
    ]);
    expect(json<Task>(show.stdout)).toMatchObject({ id: okId, state: 'completed', result: expect.stringContaining('done: write the notes') });
    expect(json<Task>(showBad.stdout)).toMatchObject({ state: 'failed', result: expect.stringContaining('cannot do: please fail now') });
    expect(human.stdout).toMatch(/^state:\s+completed$/m);
    expect(human.stdout).toMatch(/^agent:\s+w1 \(/m);
    // The last round was whichever ran second; round by round, each log has its own task's output.
    expect(`${r1.stdout}${r2.stdout}`).toContain('done: write the notes');
    expect(`${r1.stdout}${r2.stdout}`).toContain('cannot do: please fail now');
    expect(last.exitCode).toBe(0);
    expect([r1.stdout, r2.stdout]).toContain(last.stdout);
  });

  it('follows a round with logs -f until the agent is done, woken by the stream\'s "log grew" events', async () => {
    const ac = new AbortController();
    const seen: TahoEvent[] = [];
    const listening = (async () => {
      try {
        for await (const e of new HttpClient(server.url).watch({ kinds: ['log', 'town'], after: 'latest', signal: ac.signal })) seen.push(e);
      } catch {
        // aborted at the end
      }
    })();
    // "Log grew" events are live only: the round is held (until a file exists) until the stream
    // has delivered the assignment, so the output it then writes is announced on an open stream.
    const release = join(tempDir('taho-release-'), 'go');
    const a = await tt(['assign', 'w1', `until ${release} then finish`]);
    expect(a.stdout).toMatch(/^task [0-9a-f-]{36} assigned to w1$/);
    while (!seen.some((e) => e.kind === 'town')) await new Promise((r) => setTimeout(r, 20));
    const follow = tt(['logs', 'w1', '-f']);
    writeFileSync(release, '');
    const f = await follow;
    expect(f.exitCode).toBe(0);
    expect(f.stdout).toContain(`done: until ${release} then finish`);
    const grew = (): TahoEvent[] => seen.filter((e) => e.kind === 'log' && e.subject === 'agent/w1');
    while (grew().length === 0) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await listening;
    expect(grew().every((e) => e.id === 0 && e.type === 'grew' && e.data['agent'] === 'w1' && typeof e.data['round'] === 'number')).toBe(true);
  });

  it('kills an agent with a hanging round, then reclaims its task: listed first, moved once', async () => {
    const id = json<{ task_id: string }>((await tt(['assign', 'w2', 'hang', '--json'])).stdout).task_id;
    await settled(id, 'running');
    const explained = (await (await fetch(`${server.url}/v1/explain/w2`)).json()) as { kind: string; agent: { state: string }; process: { pid: number; alive: boolean } | null };
    expect(explained).toMatchObject({ kind: 'agent', agent: { state: 'Working' }, process: { alive: true } });
    const pid = explained.process?.pid as number;
    expect(processAlive(pid)).toBe(true);

    const k = await tt(['kill', 'w2']);
    expect(k).toMatchObject({ exitCode: 0, stdout: 'agent w2: stopped' });
    expect(await state('w2')).toBe('Stopped');
    await until(`process ${pid} gone`, async () => !processAlive(pid));

    const [listed, why] = await Promise.all([tt(['reclaim']), tt(['explain', 'w2'])]);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toContain('1 task(s) held by dead agents; nothing moved. Use --to <agent> or --to-backlog to move them.');
    expect(listed.stdout).toContain(id);
    expect(await task(id)).toMatchObject({ state: 'running', assigned_to: expect.any(String) });
    expect(await (await fetch(`${server.url}/v1/backlog`)).text()).not.toContain(id);
    expect(why.stdout).toMatch(/^state:\s+Stopped$/m);
    expect(why.stdout).toMatch(/^last round: #1 for task [0-9a-f]{8}, ended by SIG\w+ at /m);
    expect(why.stdout).toContain('reclaim its tasks or restart it');

    const moved = await tt(['reclaim', '--to-backlog']);
    expect(moved.stdout).toMatch(/^moved 1 task\(s\) to the backlog$/m);
    const [backlog, human, again, x] = await Promise.all([tt(['backlog', 'list', '--json']), tt(['town', 'backlog', 'list']), tt(['reclaim', '--to-backlog', '--json']), tt(['explain', id])]);
    expect(json<{ task_id: string }[]>(backlog.stdout).filter((b) => b.task_id === id)).toHaveLength(1);
    expect(human.stdout.split(id)).toHaveLength(2);
    expect(json<{ reclaimed: number }>(again.stdout).reclaimed).toBe(0);
    expect(await task(id)).toMatchObject({ state: 'pending' });

    expect(x.exitCode).toBe(0);
    expect(x.stdout).toMatch(new RegExp(`^task ${id}: pending$`, 'm'));
    expect(x.stdout).toMatch(/^where:\s+in the backlog$/m);
    expect(x.stdout).toContain('waiting in the backlog for an agent to claim it');

  });

  it('restarts a stopped agent by name: back to Idle; removes a backlog task', async () => {
    const id = (((await (await fetch(`${server.url}/v1/backlog`)).json()) as { backlog: { task_id: string }[] }).backlog[0]?.task_id) as string;
    // Leave nothing that would hang again.
    const [r, removed] = await Promise.all([tt(['restart', 'w2']), tt(['backlog', 'remove', id])]);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'agent w2: restarted' });
    expect(removed.stdout).toBe(`task ${id} removed from the backlog (cancelled)`);
    expect(await state('w2')).toBe('Idle');
  });

  it('lists events one per line with increasing ids, and --after resumes', async () => {
    const [human, all] = await Promise.all([tt(['events']), tt(['events', '--json'])]);
    expect(human.exitCode).toBe(0);
    const lines = human.stdout.split('\n');
    for (const line of lines) expect(line).toMatch(/^#\d+ \d{4}-\d\d-\d\dT\S+Z (agent|task|message|backlog) \S+/);
    expect(human.stdout).toMatch(/^#\d+ \S+ agent spawned w1 Idle cli script$/m);
    const events = json<{ id: number; kind: string; type: string }[]>(all.stdout);
    expect(events.length).toBe(lines.length);
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const mid = ids[Math.floor(ids.length / 2)] as number;
    const after = json<{ id: number }[]>((await tt(['events', '--after', String(mid), '--json'])).stdout);
    expect(after[0]?.id).toBe(mid + 1);
    expect(after.every((e) => e.id > mid)).toBe(true);
  });

  it('prints events a page at a time; the hint after a page resumes where it ended, and --all reads every page', async () => {
    const every = json<{ id: number }[]>((await tt(['events', '--all', '--json'])).stdout).map((e) => e.id);
    expect(every.length).toBeGreaterThan(4);
    const first = await tt(['events', '--limit', '2']);
    expect(first.stdout.split('\n')).toHaveLength(2);
    const cursor = /More events: \S+ events --limit 2 --after (\d+) \(or --all/.exec(first.stderr)?.[1];
    expect(Number(cursor)).toBe(every[1]);
    const next = json<{ id: number }[]>((await tt(['events', '--limit', '2', '--after', String(cursor), '--json'])).stdout);
    expect(next.map((e) => e.id)).toEqual(every.slice(2, 4));
  });

  it('follows events until Ctrl-C, then exits 0', async () => {
    const child = execa(process.execPath, [BIN, 'events', '--follow', '--url', server.url], { cwd: work, env: { NO_COLOR: '1', TAHO_DATA_DIR: dataDir }, reject: false });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await until('the first events', async () => out.includes('\n'));
    await tt(['send', 'w1', '--info', 'heads up']);
    await until('the new event', async () => /message sent info to w1/.test(out));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(0);
  });

  it('fails on an unknown agent with exit 2, an Error: line and a Hint: line', async () => {
    const [a, l] = await Promise.all([tt(['assign', 'nobody', 'do it']), tt(['logs', 'nobody'])]);
    for (const r of [a, l]) {
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/^Error: Agent not found: nobody$/m);
      expect(r.stderr).toMatch(/^Hint: \S/m);
      expect(r.stdout).toBe('');
      noStack(r.stderr);
    }
  });
});

describe('town CLI in-process (no server)', { timeout: 120_000 }, () => {
  const dir = tempDir('taho-town-local-');
  const dataDir = join(dir, 'data');
  const PATH = pathWith('claude');
  const tt = (args: string[]) => runCli(args, { cwd: dir, env: { TAHO_DATA_DIR: dataDir, PATH } });

  it('init writes config.toml once; later runs change nothing', async () => {
    const first = await tt(['init', '--name', 'localtown']);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain("Created ");
    expect(first.stdout).toContain('Next steps:');
    expect(readFileSync(join(dir, 'config.toml'), 'utf8')).toBe('[town]\nname = "localtown"\n');
    const second = await tt(['town', 'init', '--name', 'other']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain("already defines the town 'localtown'; nothing to do.");
    expect(readFileSync(join(dir, 'config.toml'), 'utf8')).toBe('[town]\nname = "localtown"\n');

    const other = join(dir, 'elsewhere');
    mkdirSync(other);
    writeFileSync(join(other, 'config.toml'), '[http]\nport = 9000\n');
    const refused = await runCli(['init'], { cwd: other, env: { TAHO_DATA_DIR: dataDir } });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/^Error: .*config\.toml already exists and has no \[town\] section; it was not changed$/m);
    expect(refused.stderr).toContain('[town]\nname = "elsewhere"');
    expect(readFileSync(join(other, 'config.toml'), 'utf8')).toBe('[http]\nport = 9000\n');
  });

  it('spawns, lists, queues and keeps a backlog without a server', async () => {
    expect(existsSync(join(dir, 'config.toml'))).toBe(true);
    const s = await tt(['spawn', 'l1']);
    expect(s.exitCode).toBe(0);
    expect(s.stdout).toMatch(/^agent l1: spawned \(cli claude, id [0-9a-f-]{36}\)$/);
    const [list, added, assigned] = await Promise.all([tt(['list']), tt(['backlog', 'add', 'write', 'docs', '--tag', 'docs']), tt(['assign', 'l1', 'later'])]);
    expect(list.stdout, list.stderr).toMatch(/^l1\s+Idle\s+claude\s+0\s+0\s+[01]\s+[0-9a-f]{8}$/m);
    expect(added.stdout).toMatch(/^task [0-9a-f-]{36} added to the backlog$/);
    expect(assigned.exitCode).toBe(0);
    expect(assigned.stderr).toContain('no taho server is running');
    const [backlog, status] = await Promise.all([tt(['backlog', 'list']), tt(['status', '--tasks'])]);
    expect(backlog.stdout).toMatch(/^[0-9a-f-]{36}\s+docs\s+write docs$/m);
    expect(status.stdout).toMatch(/^town:\s+localtown$/m);
    expect(status.stdout).toMatch(/^l1\s+Idle\s+claude\s+0\s+0\s+1\s+0\s+[0-9a-f]{8}$/m);
    expect(status.stdout).toMatch(/^pending \(1\)$/m);
    expect(status.stdout).toMatch(/^assigned \(1\)$/m);
  });
});
