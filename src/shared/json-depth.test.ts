import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan } from './json-depth.js';

describe('jsonNestsDeeperThan', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonNestsDeeperThan('[[1]]', 2)).toBe(false);
    expect(jsonNestsDeeperThan('[[[1]]]', 2)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":{"b":[]}}', 3)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":{"b":[]}}', 2)).toBe(true);
    expect(jsonNestsDeeperThan('["[[[[\\"[[["]', 1)).toBe(false);
    expect(jsonNestsDeeperThan('['.repeat(10_000), 64)).toBe(true);
  });
});
