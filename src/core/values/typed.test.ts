import { describe, expect, it } from 'vitest';
import type { WitFunction, WitType } from '../components/wit-types.js';
import { sameShape, toAnalysedType } from './analysed.js';
import { compileLift, compileLower } from './plain.js';
import { compileTypedCall } from './typed.js';

const point: WitType = { kind: 'record', name: 'point', fields: [{ name: 'x', type: { kind: 's32' } }, { name: 'y', type: { kind: 's32' } }] };
const shape: WitType = { kind: 'variant', name: 'shape', cases: [{ name: 'circle', type: { kind: 'f64' } }, { name: 'none' }] };

describe('AnalysedType', () => {
  it('maps WIT types to Golem typ with PascalCase tags and names', () => {
    expect(toAnalysedType(point)).toEqual({ type: 'Record', name: 'point', fields: [{ name: 'x', typ: { type: 'S32' } }, { name: 'y', typ: { type: 'S32' } }] });
    expect(toAnalysedType({ kind: 'result', ok: { kind: 's32' }, err: { kind: 'string' } })).toEqual({ type: 'Result', ok: { type: 'S32' }, err: { type: 'Str' } });
    expect(toAnalysedType({ kind: 'list', element: { kind: 'char' } })).toEqual({ type: 'List', inner: { type: 'Chr' } });
    expect(toAnalysedType({ kind: 'flags', flags: ['a'] })).toEqual({ type: 'Flags', names: ['a'] });
  });

  it('compares a client typ by shape, ignoring names', () => {
    expect(sameShape({ type: 'Record', fields: [{ name: 'x', typ: { type: 'S32' } }, { name: 'y', typ: { type: 'S32' } }] }, toAnalysedType(point))).toBe(true);
    expect(sameShape({ type: 'Record', fields: [{ name: 'x', typ: { type: 'S64' } }, { name: 'y', typ: { type: 'S32' } }] }, toAnalysedType(point))).toBe(false);
    expect(sameShape({ type: 'U8' }, { type: 'S8' })).toBe(false);
  });
});

describe('golem dialect', () => {
  it('writes chars as code points and unit cases as {"case": null}', () => {
    expect(compileLift({ kind: 'char' }, 'golem')('🦀')).toBe(0x1f980);
    expect(compileLower({ kind: 'char' }, 'golem')(0x1f980, 'v')).toBe('🦀');
    expect(() => compileLower({ kind: 'char' }, 'golem')(0xd800, 'v')).toThrow('code point');
    expect(compileLift(shape, 'golem')({ tag: 'none' })).toEqual({ none: null });
    expect(compileLower(shape, 'golem')({ none: null }, 'v')).toEqual({ tag: 'none' });
  });
});

describe('compileTypedCall', () => {
  const translate: WitFunction = {
    name: 'translate',
    params: [{ name: 'p', type: point }, { name: 'dx', type: { kind: 's32' } }],
    result: point,
  };
  const div: WitFunction = { name: 'div', params: [], result: { kind: 'result', ok: { kind: 's32' }, err: { kind: 'string' } } };

  it('takes typed, untyped and mixed params that type-check', () => {
    const call = compileTypedCall(translate);
    expect(call.args([{ value: { x: 1, y: 2 } }, { typ: { type: 'S32' }, value: 3 }])).toEqual([{ x: 1, y: 2 }, 3]);
    expect(call.result({ x: 4, y: 2 })).toEqual({ typ: toAnalysedType(point), value: { x: 4, y: 2 } });
  });

  it('reports every problem at once, naming parameter, type and value', () => {
    const call = compileTypedCall(translate);
    let errors: string[] = [];
    try {
      call.args([{ value: { x: 'a', y: 2 } }, { typ: { type: 'U8' }, value: 3 }]);
    } catch (e) {
      errors = (e as { details: { errors: string[] } }).details.errors;
    }
    expect(errors).toEqual([
      'parameter `p`.x expects s32, got "a"',
      'parameter `dx` has type {"type":"S32"}, but its typ says {"type":"U8"}',
    ]);
    expect(() => call.args([{ value: { x: 1, y: 2 } }])).toThrow('translate takes 2 parameters, got 1');
    expect(() => call.args([{ value: { x: 1, y: 2 } }, { value: 300 }, { value: 1 }])).toThrow('got 3');
  });

  it('answers a returned result as {"ok": …} with its typ', () => {
    expect(compileTypedCall(div).result(7)).toEqual({ typ: { type: 'Result', ok: { type: 'S32' }, err: { type: 'Str' } }, value: { ok: 7 } });
    expect(compileTypedCall({ name: 'f', params: [] }).result(undefined)).toBeUndefined();
  });
});
