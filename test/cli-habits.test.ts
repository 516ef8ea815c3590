// Issue #17, findings 2 and 4: `taho`/`tt` on PATH start on the pinned Node whatever `node` the
// machine has; help, version, completion and "did you mean" work as in other oclif CLIs.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers.js';

const onPath = tempDir('taho-path-');
symlinkSync(join(ROOT, 'bin', 'taho'), join(onPath, 'taho'));
symlinkSync(join(ROOT, 'bin', 'tt'), join(onPath, 'tt'));
const PATH = `${onPath}:/usr/local/bin:/usr/bin:/bin`;
const typed = async (line: string) => {
  const r = await execa('sh', ['-c', line], { reject: false, cwd: tempDir('taho-typed-'), env: { PATH, NO_COLOR: '1', TAHO_DATA_DIR: join(onPath, 'data') } });
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
};

describe('taho and tt on PATH', { timeout: 120_000 }, () => {
  it('start on the pinned Node, whatever node is first on PATH', async () => {
    const v = await typed('taho --version');
    expect(v.stderr).toBe('');
    expect(v.stdout.trim()).toBe(`taho/0.1.0 ${process.platform}-${process.arch} node-${process.version}`);
    const call = await typed('taho invoke example/hello greet World');
    expect(call.stdout.trim()).toBe('Hello, World!');
  });

  it('tt is named tt in its help', async () => {
    const r = await typed('tt help spawn');
    expect(r.stdout).toMatch(/\$ tt spawn/);
  });
});

describe('habits of oclif CLIs', { timeout: 120_000 }, () => {
  it('help <command>, version and autocomplete exist', async () => {
    const help = await runCli(['help', 'invoke']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('$ taho invoke');
    const version = await runCli(['version']);
    expect(version.stdout).toMatch(/^taho\/0\.1\.0 /);
    const ac = await runCli(['autocomplete', 'bash'], { env: { HOME: tempDir('taho-home-') } });
    expect(ac.exitCode, ac.stderr).toBe(0);
    expect(ac.stdout).toContain('autocomplete script bash');
  });

  it('a mistyped command or flag gets a suggestion, not an internal id or the whole help', async () => {
    const cmd = await runCli(['invok', 'example/hello', 'greet', 'World']);
    expect(cmd.exitCode).toBe(2);
    expect(cmd.stderr).toBe('Error: `invok` is not a taho command\nHint: Did you mean `taho invoke`? `taho help` lists the commands.');
    const sub = await runCli(['jobs', 'lst']);
    expect(sub.stderr).toContain('Did you mean `taho jobs list`?');
    const flag = await runCli(['invoke', 'example/hello', 'greet', 'World', '--jsn']);
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toBe('Error: unknown flag --jsn\nHint: Did you mean --json? `taho help invoke` lists the flags.');
  });
});
