import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ComputeState } from './model.js';
import { LocalNode } from './local-node.js';
import { Orchestrator } from './orchestrator.js';
import { openStores } from '../store/open.js';
import type { Stores } from '../store/ports/index.js';
import { ComponentLoader } from '../components/loader.js';
import { nextEvent } from '../events/bus.js';
import { WorkerPool } from '../workers/pool.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/jobs', import.meta.url));
const HELLO = join(EXAMPLES, 'wasm', 'hello-wasi.wasm');
const dirs: string[] = [];
const open: { o: Orchestrator; s: Stores }[] = [];
const pool = new WorkerPool();
afterAll(async () => {
  for (const { o, s } of open) {
    await o.close();
    await s.close();
  }
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function boot(dir = mkdtempSync(join(tmpdir(), 'taho-jobs-')), slots = 2) {
  dirs.push(dir);
  const s = openStores({ dataDir: dir, sync: 'normal' });
  const node = new LocalNode({ id: 'n-00000000-0000-4000-8000-000000000001', labels: { zone: 'local' }, slots, allowedPaths: [EXAMPLES], allowExec: false, memoryLimitMb: 64, pool, loader: new ComponentLoader({ cacheDir: join(dir, 'cache') }) });
  const o = new Orchestrator(s.jobs, [node], {
    dataDir: dir, defaultTimeoutS: 30, retainForMs: 0, maxAttempts: 2,
    nextChange: (jobId, signal) => nextEvent(s.events, (e) => e.subject === jobId || e.subject.startsWith(`job/${jobId}/`), signal),
  });
  open.push({ o, s });
  return { o, s, dir };
}

const wasmJob = (args: string[], extra: Record<string, unknown> = {}) => ({
  Type: 'batch',
  Tasks: [{
    Name: 'main',
    Engine: { Type: 'wasm', Params: { EntryModule: '/wasm/hello.wasm', Parameters: args } },
    InputSources: [{ Target: '/wasm/hello.wasm', Source: { Type: 'local', Params: { SourcePath: HELLO } } }],
    Env: { NAME: 'jobs' },
    Publisher: { Type: 'local' },
    ...extra,
  }],
});

async function until(o: Orchestrator, id: string, states: string[], ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = (await (await o.get(id))).State.StateType;
    if (states.includes(s)) return s;
    if (Date.now() > end) throw new Error(`job ${id} is ${s}, not ${states.join('|')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('orchestrator', () => {
  it('runs a wasm job to Completed with its output, history and results', async () => {
    const { o } = boot();
    await o.start();
    const { JobID } = await o.submit(wasmJob(['a', 'b'], { Timeouts: { ExecutionTimeout: 20 } }));
    expect(JobID).toMatch(/^j-[0-9a-f-]{36}$/);
    expect(await until(o, JobID, ['Completed', 'Failed'])).toBe('Completed');
    const [e] = await o.executions(JobID);
    expect(e?.ComputeState.StateType).toBe(ComputeState.Completed);
    expect(e?.RunOutput).toMatchObject({ ExitCode: 0, Stdout: expect.stringContaining('hello from wasm job') });
    const topics = (await o.history(JobID)).Items.map((h) => `${h.Event.Topic}: ${h.Event.Message}`);
    expect(topics).toEqual(expect.arrayContaining(['Submission: Job submitted', 'State Update: Running', 'State Update: Completed']));
    const [r] = await o.results(JobID);
    expect(r?.Type).toBe('local');
    const dir = String(r?.Params?.URL).replace('file://', '');
    expect(readFileSync(join(dir, 'outputs', 'result.txt'), 'utf8').length).toBeGreaterThan(0);
    expect((await o.history(JobID)).NextToken).toBe('');
  });

  it('fails a job whose module exits non-zero, and one past its ExecutionTimeout, saying why', async () => {
    const { o } = boot();
    await o.start();
    const failed = (await o.submit(wasmJob(['fail']))).JobID;
    const slow = (await o.submit(wasmJob(['loop'], { Timeouts: { ExecutionTimeout: 0.3 } }))).JobID;
    expect(await until(o, failed, ['Completed', 'Failed'])).toBe('Failed');
    expect((await o.get(failed)).State.Message).toContain('exited with code 3');
    expect(await until(o, slow, ['Completed', 'Failed'])).toBe('Failed');
    expect((await o.get(slow)).State.Message).toContain('timed out after 0.3s');
    expect((await o.history(slow)).Items.some((h) => h.Event.Topic === 'Exec Timeout')).toBe(true);
  });

  it('stops a job looping forever: Stopped, the execution Cancelled, history says why; a Completed job cannot be stopped', async () => {
    const { o } = boot();
    await o.start();
    const { JobID } = await o.submit(wasmJob(['loop']));
    await until(o, JobID, ['Running']);
    await o.stop(JobID, 'enough');
    expect((await o.get(JobID)).State).toMatchObject({ StateType: 'Stopped', Message: 'enough' });
    expect((await o.executions(JobID))[0]?.ComputeState.StateType).toBe(ComputeState.Cancelled);
    expect((await o.history(JobID)).Items.find((h) => h.Event.Message === 'Job requested to stop before completion')?.Event.Details).toEqual({ description: 'enough' });
    expect(await o.stop(JobID)).toEqual({ EvaluationID: '' });
    const done = (await o.submit({ Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] })).JobID;
    await until(o, done, ['Completed']);
    await expect(o.stop(done)).rejects.toMatchObject({ code: 'TAHO_CONFLICT', message: 'cannot stop job in state Completed' });
  });

  it('re-queues a job a stopped process left Running, and it completes after the restart', async () => {
    const first = boot();
    await first.o.start();
    const { JobID } = await first.o.submit(wasmJob(['loop'], { Timeouts: { ExecutionTimeout: 1 } }));
    await until(first.o, JobID, ['Running']);
    await first.o.close(); // the state still says Running, as after a kill
    const second = boot(first.dir);
    const report = await second.o.start();
    expect(report.requeued).toEqual([JobID]);
    expect(await until(second.o, JobID, ['Completed', 'Failed'])).toBe('Failed');
    const executions = (await second.o.executions(JobID));
    expect(executions).toHaveLength(2);
    expect(executions[0]?.ComputeState.Message).toBe('the server stopped while it ran');
    expect((await second.o.history(JobID)).Items.map((h) => h.Event.Message)).toContain('Job re-queued: the server stopped while it ran');
  });

  it('runs a wasi:cli component job with the same engine, and fails one whose run returns err', async () => {
    const { o } = boot();
    await o.start();
    const cli = (args: string[]) => ({
      Type: 'batch',
      Tasks: [{
        Name: 'main', Engine: { Type: 'wasm', Params: { EntryModule: '/wasm/cli.wasm', Parameters: args } },
        InputSources: [{ Target: '/wasm/cli.wasm', Source: { Type: 'local', Params: { SourcePath: join(EXAMPLES, 'wasm', 'hello-cli.wasm') } } }],
      }],
    });
    const ok = (await o.submit(cli(['x', 'y']))).JobID;
    const bad = (await o.submit(cli(['fail']))).JobID;
    expect(await until(o, ok, ['Completed', 'Failed'], 30_000)).toBe('Completed');
    expect((await o.executions(ok))[0]?.RunOutput).toMatchObject({ ExitCode: 0, Stdout: 'hello from a wasi:cli component x y\n' });
    expect(await until(o, bad, ['Completed', 'Failed'], 30_000)).toBe('Failed');
    expect((await o.get(bad)).State.Message).toContain('exited with code 1');
  }, 40_000);

  it('refuses bad specs with every problem named, resolves short ids, and pages lists with tokens', async () => {
    const { o } = boot();
    await expect(o.submit({ Type: 'nope', Tasks: [] })).rejects.toThrow(/invalid job type: "nope"; missing job tasks/);
    await expect(o.submit(wasmJob([], { Env: { lower: 'x' } }))).rejects.toThrow(/must be upper case/);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await o.submit({ Type: 'batch', Labels: { n: String(i), env: i % 2 ? 'odd' : 'even' }, Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] })).JobID);
    expect((await o.resolve(ids[0]!.slice(0, 10))).ID).toBe(ids[0]);
    expect((await o.list({ labels: 'env=odd' })).Items.map((j) => j.ID)).toEqual([ids[1], ids[3]]);
    expect((await o.list({ labels: 'n>2' })).Items).toHaveLength(2);
    const page1 = (await o.list({ limit: 2 }));
    const page2 = (await o.list({ nextToken: page1.NextToken }));
    const page3 = (await o.list({ nextToken: page2.NextToken }));
    expect([...page1.Items, ...page2.Items, ...page3.Items].map((j) => j.ID)).toEqual(ids);
    expect(page3.NextToken).toBe('');
    await expect(o.list({ nextToken: 'garbage' })).rejects.toThrow(/invalid paging token/);
    await expect(o.list({ labels: 'a in ()' })).rejects.toThrow(/needs at least one value/);
    await expect(o.resolve('j-')).rejects.toThrow(/ambiguous|not found/);
  });
});
