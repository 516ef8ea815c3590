import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the build script is plain JS, run by users as `node examples/build.mjs`.
import { buildExamples } from '../examples/build.mjs';
// @ts-expect-error: plain JS as well (`node examples/jobs/build.mjs`).
import { buildJobExamples } from '../examples/jobs/build.mjs';
// @ts-expect-error: plain JS as well (`node examples/jobs/build-cli.mjs`).
import { buildCliJobExamples } from '../examples/jobs/build-cli.mjs';

describe('examples', () => {
  it('rebuild from their WAT and WIT sources into exactly the committed .wasm files', async () => {
    const built = (await buildExamples({ write: false })) as { path: string; bytes: Uint8Array }[];
    expect(built.map((b) => b.path.split('/').pop())).toEqual(['calculator.wasm', 'cart.wasm', 'clock.wasm', 'counter.wasm', 'hello.wasm', 'reviewer.wasm']);
    for (const { path, bytes } of built) {
      expect(Buffer.compare(readFileSync(path), Buffer.from(bytes)), `${path} is stale: run node examples/build.mjs`).toBe(0);
    }
  });

  it('job modules rebuild from their WAT into exactly the committed .wasm files', async () => {
    const built = [...await buildJobExamples({ write: false }), ...await buildCliJobExamples({ write: false })] as { path: string; bytes: Uint8Array }[];
    expect(built.map((b) => b.path.split('/').slice(-2).join('/'))).toEqual(['wasm/hello-wasi.wasm', 'wasm/hello-cli.wasm']);
    for (const { path, bytes } of built) {
      expect(Buffer.compare(readFileSync(path), Buffer.from(bytes)), `${path} is stale: run node examples/jobs/build.mjs`).toBe(0);
    }
  });
});
