import { describe, expect, it } from 'vitest';
import type { WitType } from '../components/wit-types.js';
import { compileLift, compileLower } from './plain.js';

const t = <T extends WitType>(x: T): T => x;
const point = t({ kind: 'record', name: 'point', fields: [{ name: 'x', type: { kind: 's32' } }, { name: 'long-name', type: { kind: 's32' } }] });
const shape = t({ kind: 'variant', name: 'shape', cases: [{ name: 'circle', type: { kind: 'f64' } }, { name: 'empty' }] });
const perms = t({ kind: 'flags', name: 'permissions', flags: ['read', 'write', 'exec-all'] });
const lower = (type: WitType, v: unknown) => compileLower(type)(v, 'parameter `p` of f');

describe('compileLower', () => {
  it('checks integer ranges instead of wrapping', () => {
    expect(lower({ kind: 'u8' }, 255)).toBe(255);
    expect(() => lower({ kind: 'u8' }, 300)).toThrow('parameter `p` of f expects u8, got 300 (out of range 0..255)');
    expect(() => lower({ kind: 's32' }, 1.5)).toThrow('expects s32, got 1.5');
    expect(() => lower({ kind: 'u32' }, -1)).toThrow('out of range');
  });

  it('takes 64-bit integers as numbers or decimal strings', () => {
    expect(lower({ kind: 'u64' }, '18446744073709551615')).toBe(18446744073709551615n);
    expect(lower({ kind: 's64' }, -5)).toBe(-5n);
    expect(() => lower({ kind: 'u64' }, '18446744073709551616')).toThrow('out of range');
    expect(() => lower({ kind: 's64' }, 2 ** 60)).toThrow('use a decimal string beyond 2^53');
  });

  it('maps records to jco field names and rejects unknown or missing fields', () => {
    expect(lower(point, { x: 1, 'long-name': 2 })).toEqual({ x: 1, longName: 2 });
    expect(() => lower(point, { x: 1, y: 2 })).toThrow('unknown field "y"; fields: x, long-name');
    expect(() => lower(point, { x: 1 })).toThrow('parameter `p` of f.long-name expects s32, got nothing');
  });

  it('accepts variants as {"case": payload}, {tag, val} or a bare case', () => {
    expect(lower(shape, { circle: 2 })).toEqual({ tag: 'circle', val: 2 });
    expect(lower(shape, { tag: 'circle', val: 2 })).toEqual({ tag: 'circle', val: 2 });
    expect(lower(shape, 'empty')).toEqual({ tag: 'empty' });
    expect(() => lower(shape, { square: 1 })).toThrow('one of the cases circle, empty');
  });

  it('takes flags as names and options as null', () => {
    expect(lower(perms, ['read', 'exec-all'])).toEqual({ read: true, write: false, execAll: true });
    expect(() => lower(perms, ['fly'])).toThrow('unknown flag "fly"');
    expect(lower({ kind: 'option', inner: { kind: 's32' } }, null)).toBeUndefined();
    expect(lower({ kind: 'option', inner: { kind: 's32' } }, 3)).toBe(3);
  });

  it('builds typed arrays for numeric lists and checks tuples and chars', () => {
    expect(lower({ kind: 'list', element: { kind: 'u8' } }, [1, 2])).toEqual(new Uint8Array([1, 2]));
    expect(lower({ kind: 'list', element: { kind: 's64' } }, [1, '2'])).toEqual(new BigInt64Array([1n, 2n]));
    expect(() => lower({ kind: 'list', element: { kind: 'u8' } }, [1, 256])).toThrow('parameter `p` of f[1] expects u8');
    expect(() => lower({ kind: 'tuple', items: [{ kind: 's32' }, { kind: 'string' }] }, [1])).toThrow('an array of 2');
    expect(lower({ kind: 'char' }, '🦀')).toBe('🦀');
    expect(() => lower({ kind: 'char' }, 'ab')).toThrow('one character');
  });

  it('takes results as {"ok"} / {"err"} and refuses handles', () => {
    const r: WitType = { kind: 'result', ok: { kind: 's32' }, err: { kind: 'string' } };
    expect(lower(r, { ok: 1 })).toEqual({ tag: 'ok', val: 1 });
    expect(lower(r, { err: 'no' })).toEqual({ tag: 'err', val: 'no' });
    expect(() => lower({ kind: 'own', resource: 'file' }, 1)).toThrow('cannot pass');
  });
});

describe('compileLift', () => {
  it('turns jco values into plain JSON', () => {
    expect(compileLift(point)({ x: 1, longName: 2 })).toEqual({ x: 1, 'long-name': 2 });
    expect(compileLift(shape)({ tag: 'circle', val: 1.5 })).toEqual({ circle: 1.5 });
    expect(compileLift(shape)({ tag: 'empty' })).toBe('empty');
    expect(compileLift(perms)({ read: true, write: false, execAll: true })).toEqual(['read', 'exec-all']);
    expect(compileLift({ kind: 'option', inner: { kind: 's32' } })(undefined)).toBeNull();
    expect(compileLift({ kind: 'list', element: { kind: 's64' } })(new BigInt64Array([1n, 2n ** 62n]))).toEqual([1, '4611686018427387904']);
    expect(compileLift({ kind: 'f64' })(Number.NaN)).toBeNull();
  });

  it('round-trips every type through lower and lift', () => {
    const cases: [WitType, unknown][] = [
      [point, { x: -1, 'long-name': 7 }],
      [shape, { circle: 0.5 }],
      [perms, ['write']],
      [{ kind: 'enum', cases: ['red', 'green'] }, 'green'],
      [{ kind: 'tuple', items: [{ kind: 'string' }, { kind: 'u32' }] }, ['a', 4]],
      [{ kind: 'list', element: point }, [{ x: 1, 'long-name': 2 }]],
      [{ kind: 'option', inner: { kind: 'option', inner: { kind: 'bool' } } }, { some: null }],
      [{ kind: 'result', ok: { kind: 'u8' } }, { ok: 3 }],
      [{ kind: 'u64' }, '18446744073709551615'],
    ];
    for (const [type, value] of cases) {
      expect(compileLift(type)(compileLower(type)(value, 'v'))).toEqual(value);
    }
  });
});
