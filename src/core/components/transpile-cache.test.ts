import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ComponentRegistry } from './registry.js';
import { TranspileCache } from './transpile-cache.js';
import { examplesRepository } from '../runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'taho-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('transpile cache', () => {
  it('makes jco\'s per-call debug logging a no-op (it reads process.env dozens of times per call)', async () => {
    const registry = new ComponentRegistry(() => [examplesRepository()]);
    registry.reload();
    const entry = registry.get('example', 'calculator');
    if (!entry) throw new Error('example/calculator is missing');
    const cache = new TranspileCache({ cacheDir: dir });
    const { modulePath } = await cache.get(entry.version, entry.bytes, entry.key);
    const code = readFileSync(modulePath, 'utf8');
    expect(code).toContain('const _debugLog = () => {};');
    // If jco's wording changed, this fails: the patch no longer applies (calls get slower, not wrong).
    expect(code).not.toContain('JCO_DEBUG');
  });
});
