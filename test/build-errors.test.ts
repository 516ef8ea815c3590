import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, ROOT, runCli, tempDir } from './helpers.js';

// Every bad input stops `taho build` before componentize-js runs, with the file, the place and
// what to do, and leaves the repository as it was: these cost a type check, not a build.
const work = tempDir('taho-build-errors-');
const env = { TAHO_BUILD_CACHE: join(work, 'cache') };
const project = join(work, 'components', 'demo', 'bad');
const file = (rel: string) => join(project, rel);
let original: Record<string, string>;

async function failedBuild(edit: Record<string, string>): Promise<string> {
  for (const [rel, text] of Object.entries(edit)) writeFileSync(file(rel), text);
  try {
    const r = await runCli(['build'], { cwd: work, env });
    expect(r.exitCode, r.stdout).toBe(2);
    // Nothing half-written: the domain folder holds the project and nothing else.
    expect(readdirSync(join(work, 'components', 'demo'))).toEqual(['bad']);
    return r.stderr;
  } finally {
    for (const [rel, text] of Object.entries(original)) writeFileSync(file(rel), text);
  }
}

beforeAll(async () => {
  expect((await runCli(['new', 'demo/bad'], { cwd: work, env })).exitCode).toBe(0);
  original = { 'src/index.ts': readFileSync(file('src/index.ts'), 'utf8'), 'wit/world.wit': readFileSync(file('wit/world.wit'), 'utf8') };
});

// A type check takes seconds on a busy machine: a generous ceiling against hangs, not a measurement.
describe('taho build refuses bad input clearly', { timeout: 300_000 }, () => {
  it('a type error: file:line:column and the compiler\'s words', async () => {
    const err = await failedBuild({ 'src/index.ts': `${original['src/index.ts']}\nconst n: number = 'one';\nexport const unused = n;\n` });
    expect(err).toContain('Error: demo/bad does not type-check (1 problem):');
    expect(err).toMatch(/components\/demo\/bad\/src\/index\.ts:\d+:7: Type 'string' is not assignable to type 'number'\./);
    expect(err).toContain('Hint: Fix the code (or the WIT) and build again; nothing was written.');
  });

  it('an export whose type differs from the WIT, pointed at in src/index.ts', async () => {
    const err = await failedBuild({ 'src/index.ts': original['src/index.ts']?.replace('export function greet(name: string): string {\n  return `Hello, ${name}!`;', 'export function greet(name: number): string {\n  return `Hello, ${name}!`;') ?? '' });
    expect(err).toMatch(/components\/demo\/bad\/src\/index\.ts:\d+:1: greet does not match greet in components\/demo\/bad\/wit\/world\.wit: /);
  });

  it('a function the WIT declares and the TypeScript does not export', async () => {
    const err = await failedBuild({ 'src/index.ts': original['src/index.ts']?.replace(/\/\*\* A WIT `result`[\s\S]*$/, '') ?? '' });
    expect(err).toContain('components/demo/bad/src/index.ts: does not export shout, which components/demo/bad/wit/world.wit declares (shout)');
  });

  it('a WIT error: the file, the line of the name it trips on', async () => {
    const err = await failedBuild({ 'wit/world.wit': original['wit/world.wit']?.replace('func(name: string) -> string', 'func(name: strin) -> string') ?? '' });
    expect(err).toMatch(/Error: components\/demo\/bad\/wit\/world\.wit:\d+:\d+: the WIT does not parse: .*strin/);
  });

  it('an import taho cannot provide', async () => {
    const wit = (original['wit/world.wit'] ?? '').replace('world bad {', 'world bad {\n  import acme:db/query;') + '\npackage acme:db {\n  interface query {\n    run: func(sql: string) -> string;\n  }\n}\n';
    const err = await failedBuild({ 'wit/world.wit': wit });
    expect(err).toContain('Error: components/demo/bad/wit/world.wit: the world imports acme:db/query, which taho cannot provide');
  });

  it('a Node built-in imported by the TypeScript', async () => {
    const err = await failedBuild({ 'src/index.ts': `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n${original['src/index.ts']}` });
    expect(err).toMatch(/components\/demo\/bad\/src\/index\.ts:1:\d+: .*node:fs/);
  });

  it('a project path that holds no project', async () => {
    const r = await runCli(['build', ROOT], { cwd: work, env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Hint: A project is a folder with wit/world.wit and src/index.ts; make one with `taho new <domain>/<name>`.');
  });

  it('--watch builds again after a change, and keeps watching after a failure', async () => {
    writeFileSync(file('src/index.ts'), `${original['src/index.ts']}\nexport const one: number = 'one';\n`);
    const child = execa(process.execPath, [BIN, 'build', '--watch'], { cwd: work, env: { NO_COLOR: '1', ...env }, reject: false, all: true });
    let out = '';
    const seen = (text: string) => new Promise<void>((resolve) => {
      const check = (): void => {
        if (out.includes(text)) resolve();
      };
      child.all?.on('data', (d: Buffer) => {
        out += d.toString();
        check();
      });
      check();
    });
    try {
      await seen('watching for changes');
      expect(out).toContain("Type 'string' is not assignable to type 'number'.");
      writeFileSync(file('src/index.ts'), `${original['src/index.ts']}\nexport const two: boolean = 2;\n`);
      await seen("Type 'number' is not assignable to type 'boolean'.");
    } finally {
      child.kill('SIGINT');
      await child;
      for (const [rel, text] of Object.entries(original)) writeFileSync(file(rel), text);
    }
    expect(readdirSync(join(work, 'components', 'demo'))).toEqual(['bad']);
  }, 60_000);
});
