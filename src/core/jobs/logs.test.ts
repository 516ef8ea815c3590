import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { executionLogs, type LogLine } from './logs.js';
import { ComputeState, type Execution } from './model.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a log follow', () => {
  it('wakes on nextChange (the event stream), not on a timer, and ends with the execution', async () => {
    const root = mkdtempSync(join(tmpdir(), 'taho-logs-'));
    dirs.push(root);
    const dir = join(root, 'j-1', 'e-1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stdout'), 'one\n');
    writeFileSync(join(dir, 'stderr'), '');
    let state: number = ComputeState.Running;
    const execution = () => ({ ID: 'e-1', JobID: 'j-1', ComputeState: { StateType: state } }) as unknown as Execution;
    const source = { execution: async () => execution(), executionDir: () => dir };
    // Changes are told by hand: the follow may not look again until one is.
    const waiting: (() => void)[] = [];
    const tell = (): void => {
      for (const w of waiting.splice(0)) w();
    };
    const nextChange = (signal: AbortSignal): Promise<void> => new Promise((resolve) => {
      waiting.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const lines: LogLine[] = [];
    const follow = (async () => {
      for await (const l of executionLogs(source, execution(), { follow: true }, nextChange)) lines.push(l);
    })();
    const settle = () => new Promise((r) => setTimeout(r, 150)); // three of the old 50 ms polls
    await settle();
    expect(lines.map((l) => l.Line)).toEqual(['one\n']);

    appendFileSync(join(dir, 'stdout'), 'two\n');
    appendFileSync(join(dir, 'stderr'), 'oops\n');
    await settle();
    expect(lines.map((l) => l.Line)).toEqual(['one\n']); // written, but nobody said so yet
    tell();
    await settle();
    expect(lines.map((l) => [l.Type, l.Line])).toEqual([[1, 'one\n'], [1, 'two\n'], [2, 'oops\n']]);

    appendFileSync(join(dir, 'stdout'), 'last, without a newline');
    state = ComputeState.Completed;
    tell();
    await follow;
    expect(lines.at(-1)).toMatchObject({ Type: 1, Line: 'last, without a newline', cursor: '31.5' });
  });
});
