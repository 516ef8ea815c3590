import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../workers/pool.js';
import { engineSpec } from '../../../../test/engine-spec.js';
import { buildPreopens } from './preopens.js';
import { EXIT_CANNOT_START, EXIT_KILLED, EXIT_TRAP, runWasm, type WasmRun } from './wasm-runner.js';

const HELLO = fileURLToPath(new URL('../../../../examples/jobs/wasm/hello-wasi.wasm', import.meta.url));

let dir: string;
const pool = new WorkerPool();
afterAll(() => pool.close());

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taho-wasm-runner-'));
  await mkdir(join(dir, 'outputs'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function spec(args: string[], more: Partial<WasmRun> = {}): WasmRun {
  return engineSpec(HELLO, dir, args, more);
}

const read = (name: string): Promise<string> => readFile(join(dir, name), 'utf8');

describe('runWasm', () => {
  it('runs a WASI command: args, env, stdout, stderr and /outputs', async () => {
    const out = await runWasm(spec(['one', 'two']), pool);
    expect(out).toMatchObject({ exitCode: 0 });
    expect(out.error).toBeUndefined();
    expect(await read('stdout')).toBe('hello from wasm job one two\nhello, Ada!\n');
    expect(await read('stderr')).toBe('a line on stderr from the wasm job\n');
    expect(await read('outputs/result.txt')).toBe('result: ok for Ada\n');
  });

  it('reports the exit code the module chose', async () => {
    const out = await runWasm(spec(['fail']), pool);
    expect(out.exitCode).toBe(3);
    expect(out.stoppedBy).toBeUndefined();
  });

  it('turns a trap into exit 134 with the trap message', async () => {
    const out = await runWasm(spec(['trap']), pool);
    expect(out.exitCode).toBe(EXIT_TRAP);
    expect(out.error).toMatch(/trapped: unreachable/);
  });

  it('caps linear memory at memoryLimitMb', async () => {
    expect((await runWasm(spec(['grow']), pool)).exitCode).toBe(0);
    expect((await runWasm(spec(['grow'], { memoryLimitMb: 1 }), pool)).exitCode).toBe(7);
  });

  it('stops a module that loops forever at its timeout', async () => {
    const out = await runWasm(spec(['loop'], { timeoutMs: 300 }), pool);
    expect(out).toMatchObject({ exitCode: EXIT_KILLED, stoppedBy: 'timeout' });
  });

  it('stops a looping module soon after an abort', async () => {
    const controller = new AbortController();
    const running = runWasm(spec(['loop'], { timeoutMs: 0 }), pool, controller.signal);
    await new Promise((r) => setTimeout(r, 300)); // let the thread start and enter the loop
    controller.abort();
    const out = await running;
    expect(out).toMatchObject({ exitCode: EXIT_KILLED, stoppedBy: 'abort' });
    // It has no timeout, so only the abort can have ended it (how fast is measured in bench/, not here).
  });

  it('does not start when already aborted', async () => {
    const out = await runWasm(spec([]), pool, AbortSignal.abort());
    expect(out.stoppedBy).toBe('abort');
  });

  it('answers an invalid module with an error, not a crash', async () => {
    const bad = join(dir, 'bad.wasm');
    await writeFile(bad, 'not wasm at all');
    const out = await runWasm(spec([], { modulePath: bad }), pool);
    expect(out.exitCode).toBe(EXIT_CANNOT_START);
    expect(out.error).toMatch(/cannot load .*bad\.wasm/);
  });

  it('names a missing entrypoint', async () => {
    const out = await runWasm(spec([], { entrypoint: 'main' }), pool);
    expect(out.exitCode).toBe(EXIT_CANNOT_START);
    expect(out.error).toContain('no exported function "main"');
  });

  it('does not let the module close the host fds behind its stdout and stderr', async () => {
    const out = await runWasm(spec(['close']), pool);
    expect(out.exitCode).toBe(0);
    expect(await read('stdout')).toBe('hello from wasm job close\nhello, Ada!\n');
    expect(await read('stderr')).toBe('a line on stderr from the wasm job\n');
  });

  it('keeps the module inside its preopens', async () => {
    const out = await runWasm(spec(['escape']), pool);
    expect(out.exitCode).toBe(4);
  });

  it('refuses to mount a directory holding a symbolic link out of it', async () => {
    const data = join(dir, 'data');
    await mkdir(data);
    await symlink('/etc', join(data, 'etc'));
    await expect(runWasm(spec([], { inputs: [{ hostPath: data, guestPath: '/data', readonly: true }] }), pool)).rejects.toThrow(/symbolic link out of/);
  });

  it('mounts a single input file without its siblings', async () => {
    const data = join(dir, 'data');
    await mkdir(data);
    await writeFile(join(data, 'in.txt'), 'input');
    await writeFile(join(data, 'secret.txt'), 'secret');
    const input = { hostPath: join(data, 'in.txt'), guestPath: '/inputs/in.txt', readonly: true } as const;
    const preopens = await buildPreopens([input, { hostPath: data, guestPath: '/data', readonly: true }], join(dir, 'outputs'));
    const staged = preopens.map['/inputs'] ?? '';
    expect(await readdir(staged)).toEqual(['in.txt']);
    expect(preopens.map).toMatchObject({ '/data': data, '/outputs': join(dir, 'outputs') });
    await preopens.cleanup();
    await expect(readdir(staged)).rejects.toThrow();
    expect((await runWasm(spec([], { inputs: [input] }), pool)).exitCode).toBe(0);
  });
});
