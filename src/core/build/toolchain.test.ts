import { describe, expect, it } from 'vitest';
import { loadTool } from './toolchain.js';

describe('loadTool', () => {
  it('names a missing toolchain piece and says how to get it', async () => {
    const err = await loadTool('@bytecodealliance/componentize-js-not-installed', 'componentize-js').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'TAHO_TOOLCHAIN_MISSING',
      message: expect.stringMatching(/^componentize-js \(@bytecodealliance\/componentize-js-not-installed\) is missing: /),
      hint: expect.stringContaining('npm ci'),
    });
  });

  it('loads an installed one', async () => {
    expect(typeof (await loadTool<{ build: unknown }>('esbuild', 'esbuild')).build).toBe('function');
  });
});
