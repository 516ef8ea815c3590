import { join } from 'node:path';
import type { WasmRun } from '../src/core/jobs/engine/wasm-runner.js';

/** A run of `modulePath` writing into `dir` (stdout, stderr, outputs/), as the engine tests use it. */
export function engineSpec(modulePath: string, dir: string, args: string[], more: Partial<WasmRun> = {}): WasmRun {
  return {
    modulePath,
    entrypoint: '_start',
    args,
    env: { NAME: 'Ada' },
    inputs: [],
    outputsDir: join(dir, 'outputs'),
    stdoutPath: join(dir, 'stdout'),
    stderrPath: join(dir, 'stderr'),
    timeoutMs: 10_000,
    ...more,
  };
}
