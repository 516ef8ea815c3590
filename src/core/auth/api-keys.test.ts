import { describe, expect, it } from 'vitest';
import { ApiKeys, generateKey } from './api-keys.js';

describe('API keys', () => {
  it('checks a presented key with argon2 at most once, however many requests send it at the same time', async () => {
    const good = await generateKey(['admin']);
    const keys = new ApiKeys([{ name: 'ops', hash: good.hash, scopes: good.scopes }]);
    // A flood of the same wrong key, all arriving before the first check ends (cache misses).
    const wrong = await Promise.all(Array.from({ length: 200 }, () => keys.verify('taho_wrong')));
    expect(wrong.every((p) => p === undefined)).toBe(true);
    expect(keys.checks).toBe(1);
    // Later ones are answered from the negative cache.
    expect(keys.verify('taho_wrong')).toBeUndefined();
    const valid = await Promise.all(Array.from({ length: 50 }, () => keys.verify(good.key)));
    expect(valid.every((p) => p?.name === 'ops')).toBe(true);
    expect(keys.checks).toBe(2);
    expect(keys.known(good.key)).toMatchObject({ name: 'ops' });
    expect(keys.known('taho_wrong')).toBeUndefined();
  });
});
