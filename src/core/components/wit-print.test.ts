import { describe, expect, it } from 'vitest';
import { formatWitFunction, formatWitType, formatWitTypeDefinition } from './wit-print.js';
import type { WitType } from './wit-types.js';

const point: WitType = { kind: 'record', name: 'point', fields: [{ name: 'x', type: { kind: 's32' } }, { name: 'y', type: { kind: 's32' } }] };

describe('formatWitType', () => {
  it('prints anonymous types structurally', () => {
    expect(formatWitType({ kind: 'tuple', items: [{ kind: 'u32' }, { kind: 'string' }] })).toBe('tuple<u32, string>');
    expect(formatWitType({ kind: 'list', element: { kind: 'u8' } })).toBe('list<u8>');
    expect(formatWitType({ kind: 'list', element: { kind: 'f32' }, length: 3 })).toBe('list<f32, 3>');
    expect(formatWitType({ kind: 'option', inner: { kind: 'option', inner: { kind: 'char' } } })).toBe('option<option<char>>');
    expect(formatWitType({ kind: 'result', ok: { kind: 's32' }, err: { kind: 'string' } })).toBe('result<s32, string>');
    expect(formatWitType({ kind: 'result', ok: { kind: 's32' } })).toBe('result<s32>');
    expect(formatWitType({ kind: 'result', err: { kind: 'string' } })).toBe('result<_, string>');
    expect(formatWitType({ kind: 'result' })).toBe('result');
    expect(formatWitType({ kind: 'future', inner: { kind: 'u8' } })).toBe('future<u8>');
    expect(formatWitType({ kind: 'stream' })).toBe('stream');
    expect(formatWitType({ kind: 'record', fields: [{ name: 'x', type: { kind: 's32' } }] })).toBe('record { x: s32 }');
  });

  it('prints named types and handles by name, escaping WIT keywords', () => {
    expect(formatWitType(point)).toBe('point');
    expect(formatWitType({ kind: 'enum', name: 'type', cases: ['a'] })).toBe('%type');
    expect(formatWitType({ kind: 'own', resource: 'counter' })).toBe('counter');
    expect(formatWitType({ kind: 'borrow', resource: 'counter' })).toBe('borrow<counter>');
  });
});

describe('formatWitTypeDefinition', () => {
  it('prints the body of named types', () => {
    expect(formatWitTypeDefinition(point)).toBe('record point { x: s32, y: s32 }');
    expect(formatWitTypeDefinition({
      kind: 'variant', name: 'shape', cases: [{ name: 'circle', type: { kind: 'f64' } }, { name: 'rectangle', type: point }, { name: 'empty' }],
    })).toBe('variant shape { circle(f64), rectangle(point), empty }');
    expect(formatWitTypeDefinition({ kind: 'enum', name: 'color', cases: ['red', 'green', 'blue'] })).toBe('enum color { red, green, blue }');
    expect(formatWitTypeDefinition({ kind: 'flags', name: 'permissions', flags: ['read', 'write', 'exec'] })).toBe('flags permissions { read, write, exec }');
    expect(formatWitTypeDefinition({ kind: 'own', resource: 'counter' })).toBe('resource counter');
  });

  it('prints aliases when given a name, and names anonymous nominal types', () => {
    expect(formatWitTypeDefinition({ kind: 'list', element: { kind: 'u8' } }, 'blob')).toBe('type blob = list<u8>');
    expect(formatWitTypeDefinition({ kind: 'enum', cases: ['a', 'b'] }, 'ab')).toBe('enum ab { a, b }');
    expect(formatWitTypeDefinition({ kind: 'u32' })).toBe('u32');
  });
});

describe('formatWitFunction', () => {
  it('prints WIT-like signatures', () => {
    expect(formatWitFunction({ name: 'translate', params: [{ name: 'p', type: point }, { name: 'dx', type: { kind: 's32' } }, { name: 'dy', type: { kind: 's32' } }], result: point }))
      .toBe('translate: func(p: point, dx: s32, dy: s32) -> point');
    expect(formatWitFunction({ name: 'first', params: [{ name: 'values', type: { kind: 'list', element: { kind: 's32' } } }], result: { kind: 'option', inner: { kind: 's32' } } }))
      .toBe('first: func(values: list<s32>) -> option<s32>');
    expect(formatWitFunction({ name: 'do-nothing', iface: 'a:b/c', params: [] })).toBe('do-nothing: func()');
    expect(formatWitFunction({ name: '[method]counter.get', params: [{ name: 'self', type: { kind: 'borrow', resource: 'counter' } }], result: { kind: 'u32' } }))
      .toBe('[method]counter.get: func(self: borrow<counter>) -> u32');
  });
});
