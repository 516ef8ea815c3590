import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { createRuntime, examplesRepository, type Runtime } from '../runtime.js';
import { WorkerPool, type ThreadKind } from './pool.js';
import { threadGone } from './thread.js';

const dirs: string[] = [];
const closing: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closing) await close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'taho-workers-'));
  dirs.push(d);
  return d;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const loopJob = {
  Type: 'batch',
  Tasks: [{
    Name: 'main',
    Engine: { Type: 'wasm', Params: { EntryModule: '/wasm/hello.wasm', Parameters: ['loop'] } },
    InputSources: [{ Target: '/wasm/hello.wasm', Source: { Type: 'local', Params: { SourcePath: join(examplesRepository(), 'jobs', 'wasm', 'hello-wasi.wasm') } } }],
    Publisher: { Type: 'local' },
  }],
};

describe('the runtime\'s worker pool', () => {
  it('holds the threads of a service, an agent host and a job run; a runaway in one family stops only its own thread', async () => {
    const dir = tempDir();
    const { config } = loadConfig({ cwd: dir, env: {}, flags: { data_dir: dir, 'limits.invoke_timeout_ms': 1000 } });
    const r: Runtime = createRuntime(config);
    closing.push(() => r.close());
    await r.startJobs();

    expect(await r.services.call('example', 'hello', 'greet', ['pool'])).toBe('Hello, pool!');
    const agents = r.agents();
    const counter = agents.component('example/counter').id;
    expect((await agents.invoke(counter, 'a', 'increment', [2])).result).toBe(2);
    const { JobID } = await r.jobs().submit(loopJob);
    const held = () => r.workers.threads().filter((t) => t.state === 'held');
    await until('the job\'s thread', () => held().some((t) => t.family === 'job'));
    expect(new Set(held().map((t) => t.family))).toEqual(new Set(['service', 'agent', 'job']));
    const others = held().filter((t) => t.family !== 'service').map((t) => t.id);

    // A service call that never returns: 504 at the invoke timeout, and only its thread goes.
    await expect(r.services.call('example', 'calculator', 'spin', [0])).rejects.toMatchObject({ code: 'TAHO_INVOKE_TIMEOUT' });
    expect(held().map((t) => t.id)).toEqual(expect.arrayContaining(others));
    expect((await agents.invoke(counter, 'a', 'increment', [3])).result).toBe(5);
    expect(await r.services.call('example', 'calculator', 'add', [1, 2])).toBe(3);
    // One replacement, not one per call that waited for it.
    expect(r.workers.threads().filter((t) => t.label === 'example/calculator')).toHaveLength(1);

    // The job stopped: its thread is terminated; the agent kept its state, the services answer.
    const job = held().find((t) => t.family === 'job')?.id;
    const stopped = Date.now();
    await r.jobs().stop(JobID);
    await until('the job\'s thread to end', () => !r.workers.threads().some((t) => t.id === job), 1000);
    expect(Date.now() - stopped).toBeLessThan(1000);
    expect((await agents.invoke(counter, 'a', 'get', [])).result).toBe(5);
    expect(await r.services.call('example', 'hello', 'greet', ['again'])).toBe('Hello, again!');
  }, 60_000);
});

describe('a pool thread', () => {
  // A family module of the test's own, so the thread can be made to die in every way there is.
  const dir = tempDir();
  const file = join(dir, 'family.mjs');
  writeFileSync(file, `export function createHandler() {
    return (body) => {
      if (body === 'exit') process.exit(3);
      if (body === 'spin') for (;;) {}
      if (body === 'hog') { const all = []; for (;;) all.push(new Array(100000).fill({})); }
      if (body === 'later') return new Promise((resolve) => setTimeout(() => resolve('done later'), 20));
      return body;
    };
  }`);
  const kind: ThreadKind = { family: 'job', module: pathToFileURL(file) };
  const pool = new WorkerPool();
  closing.push(() => pool.close());

  it('answers in order, sync and async alike', async () => {
    const t = pool.acquire(kind, 'order');
    expect(await Promise.all([t.request('a', { label: 'a' }), t.request('later', { label: 'later' }), t.request('b', { label: 'b' })])).toEqual(['a', 'done later', 'b']);
    await t.terminate();
  });

  it('turns a death into typed errors: the running request says why, the ones behind it that they never started; other threads go on', async () => {
    const bystander = pool.acquire(kind, 'bystander');
    const t = pool.acquire(kind, 'crash');
    const [running, behind] = await Promise.allSettled([t.request('exit', { label: 'exit' }), t.request('x', { label: 'x' })]);
    expect(running).toMatchObject({ status: 'rejected', reason: { code: 'TAHO_COMPONENT_TRAP', message: expect.stringContaining('its thread died: exit code 3') } });
    expect(behind.status === 'rejected' && threadGone(behind.reason)).toEqual({ reason: 'crashed', started: false });
    expect(await bystander.request('still here', { label: 'bystander' })).toBe('still here');
    expect(pool.threads().map((x) => x.id)).not.toContain(t.id);
  });

  it('stops a runaway at its timeout, and a thread past its heap limit dies alone', async () => {
    const t = pool.acquire(kind, 'spin');
    await expect(t.request('spin', { label: 'spin', timeoutMs: 200 })).rejects.toMatchObject({ code: 'TAHO_INVOKE_TIMEOUT', retryable: true });
    const small = pool.acquire(kind, 'hog', { heapMb: 16 });
    const err = await small.request('hog', { label: 'hog' }).catch((e: unknown) => e);
    expect(threadGone(err)).toEqual({ reason: 'out-of-memory', started: true });
    expect(await pool.acquire(kind, 'after').request('ok', { label: 'after' })).toBe('ok');
  }, 30_000);
});
