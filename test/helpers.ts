import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { execa, type Options } from 'execa';
import { afterAll } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '..');
export const BIN = join(ROOT, 'bin', 'run.js');

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed when the test file finishes. */
export function tempDir(prefix = 'taho-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs the built CLI as a user would: a real child process on the pinned Node. */
export async function runCli(args: readonly string[], options: Options & { bin?: string } = {}): Promise<CliResult> {
  const { bin = BIN, ...rest } = options;
  const r = await execa(process.execPath, [bin, ...args], {
    reject: false,
    cwd: ROOT,
    input: '',
    ...rest,
    env: { NO_COLOR: '1', ...rest.env },
  });
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
}

/** A PATH with a stand-in for an agent CLI that is not installed here (spawning checks it is). */
export function pathWith(program: string): string {
  const dir = tempDir('taho-bin-');
  writeFileSync(join(dir, program), '#!/bin/sh\necho "stand-in $0"\n', { mode: 0o755 });
  return `${dir}${delimiter}${process.env.PATH ?? ''}`;
}
