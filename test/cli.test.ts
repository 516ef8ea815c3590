import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, tempDir } from './helpers.js';

// One data directory for the suite, so components are transpiled once; tests that check the
// cache itself use their own.
const dataDir = tempDir('taho-cli-');
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { TAHO_DATA_DIR: dataDir, ...env } });

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

beforeAll(async () => {
  await cli(['invoke', 'example/calculator', 'add', '0', '0']);
}, 120_000);

describe('taho invoke', () => {
  it('greets through the hello component', async () => {
    const r = await cli(['invoke', 'example/hello', 'greet', 'World']);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'Hello, World!' });
  });

  it('adds with the calculator', async () => {
    expect((await cli(['invoke', 'example/calculator', 'add', '2', '3'])).stdout).toBe('5');
  });

  it('prints structured results as JSON, and --json wraps them', async () => {
    const r = await cli(['invoke', 'example/calculator', 'translate', '{"x":1,"y":2}', '3', '4']);
    expect(JSON.parse(r.stdout)).toEqual({ x: 4, y: 6 });
    const j = await cli(['invoke', 'example/calculator', 'min-max', '[3,9,1]', '--json']);
    expect(JSON.parse(j.stdout)).toEqual({ result: [1, 9] });
  });

  it('reads the JSON input from a file and from stdin', async () => {
    const file = join(tempDir(), 'in.json');
    writeFileSync(file, '{"a": 7, "b": 2}');
    expect((await cli(['invoke', 'example/calculator', 'div', '--input', file])).stdout).toBe('3');
    const r = await runCli(['invoke', 'example/calculator', 'add', '--input', '-'], { input: '[40, 2]', env: { TAHO_DATA_DIR: dataDir } });
    expect(r.stdout).toBe('42');
  });

  it('fails with the component error text and no stack trace when div by zero', async () => {
    const r = await cli(['invoke', 'example/calculator', 'div', '1', '0']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('Error: example/calculator div returned an error: division by zero');
    expect(r.stderr).toContain('Hint:');
    expect(r.stdout).toBe('');
    noStack(r.stderr);
  });

  it('gives the error as JSON with --json', async () => {
    const r = await cli(['invoke', 'example/calculator', 'div', '1', '0', '--json']);
    expect(r.exitCode).not.toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'TAHO_COMPONENT_ERROR', details: { error: 'division by zero' } } });
  });

  it('names what exists for an unknown service or method', async () => {
    const s = await cli(['invoke', 'example/nope', 'greet']);
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toMatch(/Error: no service example\/nope; services: .*example\/calculator.*example\/hello/);
    noStack(s.stderr);
    const m = await cli(['invoke', 'example/hello', 'Greet']);
    expect(m.exitCode).toBe(2);
    expect(m.stderr).toContain('Error: example/hello has no method "Greet"; it has: greet');
  });

  it('names the parameter and its WIT type for bad arguments', async () => {
    const t = await cli(['invoke', 'example/calculator', 'add', '1', 'x']);
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toContain('Error: parameter `b` of add expects s32, got "x"');
    const n = await cli(['invoke', 'example/calculator', 'add', '1']);
    expect(n.stderr).toContain('Error: add takes 2 arguments (a: s32, b: s32), got 1');
    const r = await cli(['invoke', 'example/calculator', 'clamp-u8', '1e10']);
    expect(r.stderr).toContain('expects s32, got 10000000000 (out of range');
    noStack(r.stderr);
  });

  it('reports a trap with its message', async () => {
    const r = await cli(['invoke', 'example/calculator', 'crash']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Error: example\/calculator crash trapped: .*unreachable/);
    noStack(r.stderr);
  });

  it('shows the stack only with DEBUG=taho', async () => {
    const r = await cli(['invoke', 'example/calculator', 'crash'], { DEBUG: 'taho' });
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});

describe('the transpile cache', () => {
  it('transpiles on the first start and not on the second', async () => {
    const dir = tempDir('taho-cache-');
    const first = await runCli(['invoke', 'example/hello', 'greet', 'A'], { env: { TAHO_DATA_DIR: dir } });
    expect(first.stdout).toBe('Hello, A!');
    expect(first.stderr).toContain('transpiled example.hello');
    const second = await runCli(['invoke', 'example/hello', 'greet', 'B'], { env: { TAHO_DATA_DIR: dir } });
    expect(second.stdout).toBe('Hello, B!');
    expect(second.stderr).not.toContain('transpiled');
  });
});

describe('taho services, components, reload', () => {
  it('lists services with WIT signatures', async () => {
    const r = await cli(['services']);
    expect(r.stdout).toContain('example/hello');
    expect(r.stdout).toContain('greet: func(name: string) -> string');
    expect(r.stdout).toContain('div: func(a: s32, b: s32) -> result<s32, string>');
    expect(r.stdout).toContain('translate: func(p: point, dx: s32, dy: s32) -> point');
    const j = JSON.parse((await cli(['services', '--json'])).stdout) as { id: string; methods: { name: string }[] }[];
    expect(j.find((s) => s.id === 'example.hello')?.methods.map((m) => m.name)).toEqual(['greet']);
  });

  it('lists components with stable ids, versions and sizes', async () => {
    const a = JSON.parse((await cli(['components', '--json'])).stdout) as { name: string; id: string; version: string; size: number }[];
    const hello = a.find((c) => c.name === 'example/hello');
    expect(hello?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(hello?.version).toMatch(/^[0-9a-f]{64}$/);
    expect(hello?.size).toBeGreaterThan(100);
    const again = JSON.parse((await cli(['components', '--json'], { TAHO_DATA_DIR: tempDir() })).stdout) as { name: string; id: string }[];
    expect(again.find((c) => c.name === 'example/hello')?.id).toBe(hello?.id);
    expect((await cli(['components'])).stdout).toMatch(/^NAME\s+ID\s+VERSION\s+SIZE\s+PATH$/m);
  });

  it('reload reports added, updated and removed services of a repository', async () => {
    const work = tempDir();
    const repo = join(work, 'repo');
    mkdirSync(join(repo, 'demo'), { recursive: true });
    writeFileSync(join(work, 'config.toml'), `examples = false\n[[repositories]]\npath = "repo"\n`);
    const run = (args: string[]) => runCli(args, { cwd: work, env: { TAHO_DATA_DIR: dataDir } });
    copyFileSync(join(ROOT, 'examples/example/hello.wasm'), join(repo, 'demo', 'hi.wasm'));
    expect((await run(['invoke', 'demo/hi', 'greet', 'repo'])).stdout).toBe('Hello, repo!');
    const r = JSON.parse((await run(['reload', '--json'])).stdout) as { status: string; services: string[] };
    expect(r).toMatchObject({ status: 'success', services: ['demo.hi'] });
    writeFileSync(join(repo, 'demo', 'broken.wasm'), 'not wasm');
    const p = await run(['reload']);
    expect(p.stdout).toContain('partial: 1 component loaded');
    expect(p.stdout).toMatch(/error: demo\.broken: not a loadable component: .+/);
  });
});

describe('taho components add/get and taho agents', () => {
  it('adds a component, shows its signatures, and runs a durable agent on it', async () => {
    const dir = tempDir();
    const run = (args: string[]) => runCli(args, { env: { TAHO_DATA_DIR: dir } });
    const add = await run(['components', 'add', join(ROOT, 'examples/example/counter.wasm'), '--name', 'shop/tally']);
    expect(add.stdout).toContain('added shop/tally');
    expect((await run(['components', 'get', 'shop/tally'])).stdout).toContain('increment: func(by: u64) -> u64');
    expect((await run(['agents', 'invoke', 'shop/tally/t1', 'increment', '4', '-k', 'once'])).stdout).toBe('4');
    expect((await run(['agents', 'invoke', 'shop/tally/t1', 'increment', '4', '-k', 'once'])).stdout).toBe('4');
    expect((await run(['agents', 'invoke', 'shop/tally/t1', 'get'])).stdout).toBe('4');
    expect((await run(['agents', 'list'])).stdout).toMatch(/^durable\s+t1\s+shop\/tally\s+Idle\s+0\s+oplog 2$/m);
    // A page of one, a hint naming where the next starts, and that page holding the rest.
    await run(['agents', 'invoke', 'shop/tally/t2', 'get']);
    const first = await run(['agents', 'list', 'shop/tally', '--limit', '1']);
    expect(first.stdout).toMatch(/^durable\s+t1\s/m);
    expect(first.stdout).not.toContain('t2');
    const after = /More agents: \S+ agents list shop\/tally --limit 1 --after (\d+) \(or --all/.exec(first.stderr)?.[1];
    expect(after).toBeDefined();
    const second = await run(['agents', 'list', 'shop/tally', '--limit', '1', '--after', String(after)]);
    expect(second.stdout).toMatch(/^durable\s+t2\s/m);
    expect(second.stderr).not.toContain('More agents');
    expect((await run(['agents', 'list', 'shop/tally', '--limit', '1', '--all'])).stdout).toMatch(/t1[\s\S]*t2/);
    expect((await run(['agents', 'oplog', 'shop/tally/t1'])).stdout).toMatch(/#1 .* increment\(4\) = 4  \[key once\]/);
    const missing = await run(['agents', 'get', 'shop/tally/none']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('Error: agent none of shop/tally not found');
    const bad = await run(['components', 'add', join(ROOT, 'package.json')]);
    expect(bad.stderr).toContain('not a usable WebAssembly component');
  });
});

describe('taho config', () => {
  it('prints each value with its source', async () => {
    const r = await cli(['config', '--json'], { TAHO__HTTP__PORT: '9000' });
    const view = JSON.parse(r.stdout) as { entries: { key: string; value: unknown; source: string }[] };
    expect(view.entries.find((e) => e.key === 'http.port')).toMatchObject({ value: 9000, source: 'env' });
    expect(view.entries.find((e) => e.key === 'http.bind')).toMatchObject({ value: '127.0.0.1', source: 'default' });
    expect(view.entries.find((e) => e.key === 'data_dir')).toMatchObject({ source: 'env' });
    const text = await cli(['config'], { TAHO__HTTP__PORT: '9000' });
    expect(text.stdout).toMatch(/^http\.port\s+9000\s+env \(TAHO__HTTP__PORT\)$/m);
  });

  it('rejects a bad value naming the key, the place and what is allowed', async () => {
    const r = await cli(['config'], { TAHO__HTTP__PORT: 'high' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Error: invalid configuration:');
    expect(r.stderr).toContain('TAHO__HTTP__PORT: [http] port: expected number, got "high"');
    noStack(r.stderr);
  });
});

describe('the CLI', () => {
  it('answers --version and --help', async () => {
    expect((await cli(['--version'])).stdout).toMatch(/^taho\/\d+\.\d+\.\d+/);
    const help = await cli(['invoke', '--help']);
    expect(help.stdout).toContain('$ taho invoke example/hello greet World');
    expect(help.stdout).toContain('--data-dir');
  });

  it('shows the name it was called by when run as tt', async () => {
    const dir = tempDir();
    const tt = join(dir, 'tt');
    symlinkSync(BIN, tt);
    const r = await runCli(['invoke', '--help'], { bin: tt, env: { TAHO_DATA_DIR: dataDir } });
    expect(r.stdout).toContain('$ tt invoke example/hello greet World');
    expect(r.stdout).not.toContain('$ taho invoke');
  });
});
