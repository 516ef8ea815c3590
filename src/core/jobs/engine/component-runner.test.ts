import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { engineSpec } from '../../../../test/engine-spec.js';
import { ComponentLoader } from '../../components/loader.js';
import { WorkerPool } from '../../workers/pool.js';
import { isComponent, runComponent } from './component-runner.js';
import { EXIT_CANNOT_START, EXIT_KILLED, EXIT_TRAP, type WasmRun } from './wasm-runner.js';

const HELLO_CLI = fileURLToPath(new URL('../../../../examples/jobs/wasm/hello-cli.wasm', import.meta.url));
const HELLO_WASI = fileURLToPath(new URL('../../../../examples/jobs/wasm/hello-wasi.wasm', import.meta.url));
const COUNTER = fileURLToPath(new URL('../../../../examples/example/counter.wasm', import.meta.url));

let root: string;
let dir: string;
let loader: ComponentLoader;
let runs = 0;
const pool = new WorkerPool();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'taho-component-runner-'));
  loader = new ComponentLoader({ cacheDir: join(root, 'cache') });
});

afterAll(async () => {
  await pool.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = join(root, `run-${runs++}`);
  await mkdir(join(dir, 'outputs'), { recursive: true });
});

function spec(args: string[], more: Partial<WasmRun> = {}): WasmRun {
  return engineSpec(HELLO_CLI, dir, args, { timeoutMs: 30_000, ...more });
}

const read = (name: string): Promise<string> => readFile(join(dir, name), 'utf8');

describe('isComponent', () => {
  it('tells components from core modules and other bytes', async () => {
    expect(isComponent(await readFile(HELLO_CLI))).toBe(true);
    expect(isComponent(await readFile(HELLO_WASI))).toBe(false);
    expect(isComponent(new TextEncoder().encode('not wasm at all'))).toBe(false);
    expect(isComponent(new Uint8Array([0, 0x61, 0x73, 0x6d]))).toBe(false);
  });
});

describe('runComponent', () => {
  // The first run transpiles the component (a few seconds); later ones hit the loader's cache.
  it('runs a wasi:cli command: args, stdout and stderr', async () => {
    const out = await runComponent(spec(['one', 'two']), loader, pool);
    expect(out).toMatchObject({ exitCode: 0 });
    expect(out.error).toBeUndefined();
    expect(out.stoppedBy).toBeUndefined();
    expect(await read('stdout')).toBe('hello from a wasi:cli component one two\n');
    expect(await read('stderr')).toBe('a line on stderr from the wasi:cli component\n');
  }, 60_000);

  it('runs again on a pooled thread with fresh output files', async () => {
    const out = await runComponent(spec([]), loader, pool);
    expect(out.exitCode).toBe(0);
    expect(await read('stdout')).toBe('hello from a wasi:cli component\n');
  });

  it('reports run returning err as exit code 1', async () => {
    const out = await runComponent(spec(['fail']), loader, pool);
    expect(out.exitCode).toBe(1);
    expect(out.stoppedBy).toBeUndefined();
    expect(out.error).toBeUndefined();
    expect(await read('stdout')).toBe('');
  });

  it('turns a trap into exit 134 with the trap message', async () => {
    const out = await runComponent(spec(['trap']), loader, pool);
    expect(out.exitCode).toBe(EXIT_TRAP);
    expect(out.error).toMatch(/trapped: .*unreachable/);
  });

  it('stops a component that loops forever at its timeout', async () => {
    const out = await runComponent(spec(['loop'], { timeoutMs: 300 }), loader, pool);
    expect(out).toMatchObject({ exitCode: EXIT_KILLED, stoppedBy: 'timeout' });
  });

  it('stops a looping component soon after an abort', async () => {
    const controller = new AbortController();
    const running = runComponent(spec(['loop'], { timeoutMs: 0 }), loader, pool, controller.signal);
    await new Promise((r) => setTimeout(r, 300)); // let the thread start and enter the loop
    controller.abort();
    const out = await running;
    expect(out).toMatchObject({ exitCode: EXIT_KILLED, stoppedBy: 'abort' });
    // It has no timeout, so only the abort can have ended it (how fast is measured in bench/, not here).
  });

  it('does not start when already aborted', async () => {
    const out = await runComponent(spec([]), loader, pool, AbortSignal.abort());
    expect(out.stoppedBy).toBe('abort');
  });

  it('answers an invalid component file with 126, not a crash', async () => {
    const bad = join(dir, 'bad.wasm');
    await writeFile(bad, 'not wasm at all');
    const out = await runComponent(spec([], { modulePath: bad }), loader, pool);
    expect(out.exitCode).toBe(EXIT_CANNOT_START);
    expect(out.error).toMatch(/cannot load .*bad\.wasm/);

    // A component header over garbage: the binary reader refuses it before any transpiling.
    const truncated = join(dir, 'truncated.wasm');
    await writeFile(truncated, Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), Buffer.from('garbage')]));
    const out2 = await runComponent(spec([], { modulePath: truncated }), loader, pool);
    expect(out2.exitCode).toBe(EXIT_CANNOT_START);
    expect(out2.error).toMatch(/truncated\.wasm/);

    // The runner still works afterwards.
    expect((await runComponent(spec([]), loader, pool)).exitCode).toBe(0);
  });

  it('answers a core module or a component without wasi:cli/run with 126', async () => {
    const core = await runComponent(spec([], { modulePath: HELLO_WASI }), loader, pool);
    expect(core.exitCode).toBe(EXIT_CANNOT_START);
    expect(core.error).toMatch(/core WebAssembly module, not a component/);
    const counter = await runComponent(spec([], { modulePath: COUNTER }), loader, pool);
    expect(counter.exitCode).toBe(EXIT_CANNOT_START);
    expect(counter.error).toMatch(/does not export wasi:cli\/run/);
  });

  it('names an entrypoint a component cannot have', async () => {
    const out = await runComponent(spec([], { entrypoint: 'main' }), loader, pool);
    expect(out.exitCode).toBe(EXIT_CANNOT_START);
    expect(out.error).toContain('"main"');
  });
});
