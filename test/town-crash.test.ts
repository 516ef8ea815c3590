// Finding 4 of the faults issue: the town after a SIGKILL of `taho serve`. Rounds run in their own
// process groups and outlive the server; the next start must settle them by itself, and
// `tt recover` / `tt reclaim` must never let a task run a second time beside its first round.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processAlive, processRunning } from '../src/shared/process.js';
import { runCli, tempDir } from './helpers.js';
import { post, startServer, type Server } from './server-helpers.js';
import { until as waitUntil } from './until.js';

/** An agent CLI that writes when it starts, is stopped and ends, and holds its round until a file exists. */
const AGENT = `
import { appendFileSync, existsSync } from 'node:fs';
let text = '';
for await (const c of process.stdin) text += c;
const [, name, flag, journal] = /hold (\\S+) (\\S+) (\\S+)/.exec(text);
const note = (what) => appendFileSync(journal, \`\${what} \${name} \${process.pid}\\n\`);
process.on('SIGTERM', () => { note('term'); process.exit(143); });
note('start');
while (!existsSync(flag)) await new Promise((r) => setTimeout(r, 20));
note('end');
console.log(\`done: \${name}\`);
`;

const dir = tempDir('taho-town-crash-');
const data = join(dir, 'data');
const journal = join(dir, 'journal.txt');
writeFileSync(join(dir, 'agent.mjs'), AGENT);
writeFileSync(journal, '');
writeFileSync(join(dir, 'config.toml'), [
  '[town]', 'heartbeat_ms = 200', 'stale_after_ms = 3000', 'kill_grace_ms = 2000',
  '[town.presets.journal]', `command = ${JSON.stringify(`${process.execPath} ${join(dir, 'agent.mjs')}`)}`,
].join('\n'));

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  // Nothing a round started may outlive the test.
  for (const name of ['a', 'b', 'c', 'd']) writeFileSync(join(dir, `flag-${name}`), '');
});

async function serve(): Promise<Server> {
  const s = await startServer({ dataDir: data, cwd: dir });
  servers.push(s);
  return s;
}

interface Line { readonly what: string; readonly name: string; readonly pid: number }
const lines = (): Line[] => readFileSync(journal, 'utf8').split('\n').filter(Boolean).map((l) => {
  const [what, name, pid] = l.split(' ');
  return { what: what as string, name: name as string, pid: Number(pid) };
});

/** Waits as `until` does, and shows the journal when it gives up. */
const until = <T>(what: string, probe: Parameters<typeof waitUntil<T>>[1]): Promise<T> =>
  waitUntil(what, probe, { detail: () => `journal:\n${readFileSync(journal, 'utf8')}` });

const task = (name: string) => `hold ${name} ${join(dir, `flag-${name}`)} ${journal}`;

async function json(server: Server, method: string, path: string, body?: unknown): Promise<any> {
  const r = method === 'GET' ? await fetch(`${server.url}${path}`) : await post(`${server.url}${path}`, body);
  return r.json();
}

/**
 * For each task, the journal never shows a start while an earlier round of it still ran: that
 * round wrote its end or its stop first, or was killed outright (`killed`) before the start.
 */
function neverTwiceAtOnce(killed: ReadonlySet<number> = new Set()): void {
  const running = new Map<string, number>();
  for (const l of lines()) {
    if (l.what === 'start') {
      const other = running.get(l.name);
      expect(other === undefined || killed.has(other), `${l.name} started in ${l.pid} while ${other} still ran it`).toBe(true);
      running.set(l.name, l.pid);
    } else if (running.get(l.name) === l.pid) {
      running.delete(l.name);
    }
  }
}

/** The SIGKILL of the server also ends rounds that die with it (a cgroup kill, power loss): those are gone at the next start. */
function killRound(pid: number): void {
  process.kill(-pid, 'SIGKILL');
}

describe('the town after a SIGKILL of taho serve', () => {
  const ids: Record<string, string> = {};
  let first = new Map<string, number>();

  it('the next start stops rounds that outlived the server, re-queues what they and the lost ones held, and runs each task once at a time', async () => {
    const s1 = await serve();
    for (const name of ['a', 'b']) {
      expect((await post(`${s1.url}/v1/agents`, { name, cli: 'journal' })).status).toBe(201);
      ids[name] = (await json(s1, 'POST', '/v1/tasks/assign', { agent: name, task: task(name) })).task_id;
    }
    first = await until('both rounds started', () => {
      const started = lines().filter((l) => l.what === 'start');
      return started.length === 2 ? new Map(started.map((l) => [l.name, l.pid])) : undefined;
    });
    s1.process.kill('SIGKILL');
    await s1.stop();
    killRound(first.get('b') as number);
    await until('b\'s round to be gone', () => !processRunning(first.get('b') as number));
    expect(processAlive(first.get('a') as number)).toBe(true);

    const s2 = await serve();
    // The settlement is logged after the listening line the start waits for: wait for it too.
    await until('the settlement to be logged', () => /town rounds interrupted by the last stop/.test(s2.output()));
    expect(s2.output()).toMatch(/town rounds interrupted by the last stop: 2 re-queued, 0 failed; 1 of their processes had outlived it and were stopped/);
    // a's first round was stopped before the new server dispatched anything.
    expect(processRunning(first.get('a') as number)).toBe(false);
    expect(lines().filter((l) => l.name === 'a').map((l) => l.what)).toEqual(expect.arrayContaining(['start', 'term']));
    await until('both tasks to run again', () => lines().filter((l) => l.what === 'start').length === 4);
    neverTwiceAtOnce(new Set([first.get('b') as number]));
    for (const name of ['a', 'b']) writeFileSync(join(dir, `flag-${name}`), '');
    for (const name of ['a', 'b']) {
      const t = await until(`task ${name} to complete`, async () => {
        const body = await json(s2, 'GET', `/v1/tasks/${ids[name]}`);
        return ['completed', 'failed', 'cancelled'].includes(body.state) ? body : undefined;
      });
      expect(t).toMatchObject({ state: 'completed', result: expect.stringContaining(`done: ${name}`) });
    }
    const status = (await json(s2, 'GET', '/v1/status')).agents as { name: string; state: string; tasks_completed: number }[];
    for (const name of ['a', 'b']) expect(status.find((x) => x.name === name)).toMatchObject({ state: 'Idle', tasks_completed: 1 });
    expect(lines().filter((l) => l.what === 'end').map((l) => l.name).sort()).toEqual(['a', 'b']);
    await s2.stop();
  });

  it('tt recover stops a stale round that still runs before marking its agent; tt reclaim then moves the task, which runs once at a time', async () => {
    const s3 = await serve();
    expect((await post(`${s3.url}/v1/agents`, { name: 'c', cli: 'journal' })).status).toBe(201);
    ids.c = (await json(s3, 'POST', '/v1/tasks/assign', { agent: 'c', task: task('c') })).task_id;
    const pid = await until('c\'s round started', () => lines().find((l) => l.name === 'c' && l.what === 'start')?.pid);
    s3.process.kill('SIGKILL');
    await s3.stop();
    expect(processAlive(pid)).toBe(true);

    // No server now: the CLI works on the data directory itself, with every heartbeat stale.
    const env = { TAHO_DATA_DIR: data, TAHO__TOWN__STALE_AFTER_MS: '1' };
    const recovered = await runCli(['recover', '--json'], { cwd: dir, env });
    expect(recovered.exitCode, recovered.stderr).toBe(0);
    expect(JSON.parse(recovered.stdout)).toMatchObject({ recovered: 1 });
    expect(processRunning(pid)).toBe(false);
    expect(lines().filter((l) => l.name === 'c').map((l) => l.what)).toEqual(['start', 'term']);
    const reclaimed = await runCli(['reclaim', '--to-backlog', '--json'], { cwd: dir, env });
    expect(reclaimed.exitCode, reclaimed.stderr).toBe(0);
    expect(JSON.parse(reclaimed.stdout)).toMatchObject({ reclaimed: 1, destination: 'Backlog' });

    const s4 = await serve();
    expect((await post(`${s4.url}/v1/agents`, { name: 'd', cli: 'journal' })).status).toBe(201);
    expect((await post(`${s4.url}/v1/backlog/${ids.c}/claim`, { agent: 'd' })).status).toBe(200);
    await until('c\'s task to run again', () => lines().filter((l) => l.name === 'c' && l.what === 'start').length === 2);
    writeFileSync(join(dir, 'flag-c'), '');
    const t = await until('task c to complete', async () => {
      const body = await json(s4, 'GET', `/v1/tasks/${ids.c}`);
      return body.state === 'completed' ? body : undefined;
    });
    expect(t.result).toContain('done: c');
    neverTwiceAtOnce(new Set([first.get('b') as number]));
  });
});
