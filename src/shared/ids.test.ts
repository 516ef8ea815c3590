import { describe, expect, it } from 'vitest';
import { looksLikeIdPrefix, matchIdPrefix } from './ids.js';

const ids = ['3f0c1a2b-0000-4000-8000-000000000001', '3f0c9999-0000-4000-8000-000000000002', 'a1b2c3d4-0000-4000-8000-000000000003'];
const match = (ref: string) => matchIdPrefix(ref, ids, (id) => id).found;

describe('short ids', () => {
  it('a full id, or a prefix that starts exactly one id, case-insensitive', () => {
    expect(match(ids[2] as string)).toEqual([ids[2]]);
    expect(match('A1B2')).toEqual([ids[2]]);
    expect(match('3f0c1')).toEqual([ids[0]]);
  });
  it('a prefix of several is ambiguous (all returned), a too-short one matches nothing', () => {
    expect(match('3f0c')).toEqual([ids[0], ids[1]]);
    expect(match('a1')).toEqual([]);
    expect(match('ffff')).toEqual([]);
  });
  it('names are not id prefixes', () => {
    expect(looksLikeIdPrefix('3f0c1a2b')).toBe(true);
    expect(looksLikeIdPrefix('j-3f0c')).toBe(true);
    expect(looksLikeIdPrefix('worker1')).toBe(false);
    expect(looksLikeIdPrefix('not-a-uuid')).toBe(false);
    expect(looksLikeIdPrefix('ab')).toBe(false);
  });
});
