import { describe, expect, it } from 'vitest';
import { componentEmbed, componentNew, componentWit, parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { readComponentSignature } from './wit-reader.js';
import { formatWitFunction, formatWitTypeDefinition } from './wit-print.js';
import type { ComponentSignature, WitFunction, WitType } from './wit-types.js';
import { mulberry32 } from '../../shared/prng.js';

/** Builds a real component (with a trapping dummy core module) from WIT, the way jco does. */
async function build(witSource: string, world = 'w'): Promise<Uint8Array> {
  return componentNew(await componentEmbed({ dummy: true, witSource, world }));
}

function fn(sig: ComponentSignature, name: string, iface?: string): WitFunction {
  const found = sig.functions.find((f) => f.name === name && f.iface === iface);
  if (!found) throw new Error(`no function ${iface ?? '<world>'}#${name} in ${JSON.stringify(sig.functions.map((f) => f.name))}`);
  return found;
}

function signatures(sig: ComponentSignature, iface?: string): string[] {
  return sig.functions.filter((f) => f.iface === iface).map(formatWitFunction);
}

function paramType(f: WitFunction, index = 0): WitType {
  const p = f.params[index];
  if (!p) throw new Error(`${f.name} has no param ${index}`);
  return p.type;
}

function name(s: string): number[] {
  return [s.length, ...new TextEncoder().encode(s)];
}

/**
 * A hand-assembled component that imports func `f` (using the 0x01 extern name form) and
 * re-exports it: for encodings current toolchains no longer emit. `funcType` may refer to
 * the `types` defined before it, by index.
 */
function importAndExport(funcType: number[], types: number[][] = []): Uint8Array {
  const leb = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...leb(n >>> 7)]);
  const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
  const all = [...types, funcType];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00,
    ...section(7, [all.length, ...all.flat()]),
    ...section(10, [1, 0x01, ...name('f'), 0x01, types.length]),
    ...section(11, [1, 0x00, ...name('f'), 0x01, 0, 0x00]),
  ]);
}

/** Top-level section boundaries, to tell a cut between sections from one inside a section. */
function sectionBoundaries(bytes: Uint8Array): Set<number> {
  const bounds = new Set([8]);
  let pos = 8;
  while (pos < bytes.length) {
    pos += 1;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++] ?? 0;
      size += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    pos += size;
    bounds.add(pos);
  }
  return bounds;
}

const CALCULATOR = `
package example:calculator;
interface types {
  record point { x: s32, y: s32 }
  variant shape { circle(f64), rectangle(point) }
  enum color { red, green, blue }
  flags permissions { read, write, exec }
}
interface ops { use types.{point}; move: func(p: point, dx: s32) -> point; }
world calculator {
  use types.{point, shape, color, permissions};
  export add: func(a: s32, b: s32) -> s32;
  export area: func(s: shape) -> f64;
  export div: func(a: s32, b: s32) -> result<s32, string>;
  export paint: func(c: color, p: permissions) -> list<point>;
  export ops;
}`;

describe('readComponentSignature', () => {
  it('reads world exports, used types and an exported interface (calculator example)', async () => {
    const sig = readComponentSignature(await build(CALCULATOR, 'calculator'));
    expect(sig.imports).toEqual(['example:calculator/types']);
    expect(signatures(sig)).toEqual([
      'add: func(a: s32, b: s32) -> s32',
      'area: func(s: shape) -> f64',
      'div: func(a: s32, b: s32) -> result<s32, string>',
      'paint: func(c: color, p: permissions) -> list<point>',
    ]);
    expect(signatures(sig, 'example:calculator/ops')).toEqual(['move: func(p: point, dx: s32) -> point']);
    const point = { kind: 'record', name: 'point', fields: [{ name: 'x', type: { kind: 's32' } }, { name: 'y', type: { kind: 's32' } }] };
    expect(fn(sig, 'move', 'example:calculator/ops')).toEqual({
      name: 'move', iface: 'example:calculator/ops', params: [{ name: 'p', type: point }, { name: 'dx', type: { kind: 's32' } }], result: point,
    });
    expect(paramType(fn(sig, 'area'))).toEqual({
      kind: 'variant', name: 'shape', cases: [{ name: 'circle', type: { kind: 'f64' } }, { name: 'rectangle', type: point }],
    });
    const paint = fn(sig, 'paint');
    expect(formatWitTypeDefinition(paramType(paint, 0))).toBe('enum color { red, green, blue }');
    expect(formatWitTypeDefinition(paramType(paint, 1))).toBe('flags permissions { read, write, exec }');
    expect(formatWitTypeDefinition(paramType(fn(sig, 'area')))).toBe('variant shape { circle(f64), rectangle(point) }');
    expect(formatWitTypeDefinition(point as WitType)).toBe('record point { x: s32, y: s32 }');
  });

  it('reads every primitive type', async () => {
    const sig = readComponentSignature(await build(`package t:t; world w {
      export prims: func(a: bool, b: s8, c: u8, d: s16, e: u16, f: s32, g: u32, h: s64, i: u64, j: f32, k: f64, l: char, m: string) -> u64;
    }`));
    const prims = fn(sig, 'prims');
    expect(prims.params.map((p) => p.type.kind)).toEqual(['bool', 's8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64', 'char', 'string']);
    expect(prims.result).toEqual({ kind: 'u64' });
  });

  it('reads containers: lists, tuples, options, results', async () => {
    const sig = readComponentSignature(await build(`package t:t; world w {
      record item { id: u32, tags: list<string> }
      export bytes: func(b: list<u8>) -> list<list<string>>;
      export items: func(xs: list<item>) -> tuple<u32, string>;
      export first: func(values: list<s32>) -> option<s32>;
      export nested: func(x: option<option<u8>>) -> result<u32>;
      export fail: func() -> result<_, string>;
      export bare: func() -> result;
      export both: func(r: result<list<u8>, tuple<u8, bool>>) -> option<result<_, string>>;
    }`));
    expect(signatures(sig)).toEqual([
      'bytes: func(b: list<u8>) -> list<list<string>>',
      'items: func(xs: list<item>) -> tuple<u32, string>',
      'first: func(values: list<s32>) -> option<s32>',
      'nested: func(x: option<option<u8>>) -> result<u32>',
      'fail: func() -> result<_, string>',
      'bare: func() -> result',
      'both: func(r: result<list<u8>, tuple<u8, bool>>) -> option<result<_, string>>',
    ]);
    expect(paramType(fn(sig, 'nested'))).toEqual({ kind: 'option', inner: { kind: 'option', inner: { kind: 'u8' } } });
    expect(fn(sig, 'bare').result).toEqual({ kind: 'result' });
    expect(fn(sig, 'fail').result).toEqual({ kind: 'result', err: { kind: 'string' } });
    expect(paramType(fn(sig, 'items'))).toEqual({
      kind: 'list',
      element: { kind: 'record', name: 'item', fields: [{ name: 'id', type: { kind: 'u32' } }, { name: 'tags', type: { kind: 'list', element: { kind: 'string' } } }] },
    });
  });

  it('reads variants with and without payloads, enums and the maximum of 32 flags', async () => {
    const many = Array.from({ length: 32 }, (_, i) => `flag-${i}`);
    const sig = readComponentSignature(await build(`package t:t; world w {
      variant event { started, progress(u8), done(string), cancelled }
      enum level { low, mid, high }
      flags wide { ${many.join(', ')} }
      export handle: func(e: event, l: level, w: wide) -> event;
    }`));
    const handle = fn(sig, 'handle');
    expect(paramType(handle, 0)).toEqual({
      kind: 'variant', name: 'event', cases: [{ name: 'started' }, { name: 'progress', type: { kind: 'u8' } }, { name: 'done', type: { kind: 'string' } }, { name: 'cancelled' }],
    });
    expect(formatWitTypeDefinition(paramType(handle, 0))).toBe('variant event { started, progress(u8), done(string), cancelled }');
    expect(paramType(handle, 1)).toEqual({ kind: 'enum', name: 'level', cases: ['low', 'mid', 'high'] });
    expect(paramType(handle, 2)).toEqual({ kind: 'flags', name: 'wide', flags: many });
  });

  it('resolves an exported interface that uses types from another interface, and two exported interfaces', async () => {
    const sig = readComponentSignature(await build(`package example:geo;
      interface types { record point { x: s32, y: s32 } }
      interface shapes {
        use types.{point as pt};
        record point { a: u8 }
        variant shape { circle(f64), rect(pt), other(point) }
        area: func(s: shape) -> pt;
      }
      interface util { ping: func(); echo: func(s: string) -> string; }
      world w { export shapes; export util; }`));
    expect(sig.imports).toEqual(['example:geo/types']);
    expect(signatures(sig, 'example:geo/shapes')).toEqual(['area: func(s: shape) -> pt']);
    expect(signatures(sig, 'example:geo/util')).toEqual(['ping: func()', 'echo: func(s: string) -> string']);
    const shape = paramType(fn(sig, 'area', 'example:geo/shapes'));
    expect(formatWitTypeDefinition(shape)).toBe('variant shape { circle(f64), rect(pt), other(point) }');
    expect(fn(sig, 'area', 'example:geo/shapes').result).toMatchObject({ kind: 'record', name: 'pt', fields: [{ name: 'x' }, { name: 'y' }] });
  });

  it('reads resources: constructors, methods, statics and own/borrow handles', async () => {
    const sig = readComponentSignature(await build(`package example:res;
      interface api {
        record foo { a: u8, b: list<string> }
        resource counter {
          constructor(start: u32);
          get: func() -> u32;
          inc: func(by: borrow<counter>);
          merge: static func(a: counter, b: counter) -> counter;
        }
        make: func(f: foo) -> counter;
      }
      world w {
        resource thing { constructor(); name: func() -> string; }
        export api;
        export mk: func() -> thing;
        export peek: func(t: borrow<thing>) -> u32;
      }`));
    expect(signatures(sig)).toEqual(['mk: func() -> thing', 'peek: func(t: borrow<thing>) -> u32']);
    expect(signatures(sig, 'example:res/api')).toEqual([
      '[constructor]counter: func(start: u32) -> counter',
      '[method]counter.get: func(self: borrow<counter>) -> u32',
      '[method]counter.inc: func(self: borrow<counter>, by: borrow<counter>)',
      '[static]counter.merge: func(a: counter, b: counter) -> counter',
      'make: func(f: foo) -> counter',
    ]);
    expect(fn(sig, 'mk').result).toEqual({ kind: 'own', resource: 'thing' });
    expect(formatWitTypeDefinition({ kind: 'own', resource: 'counter' })).toBe('resource counter');
  });

  it('lists imported interfaces, including WASI-like versioned ones, in binary order', async () => {
    const sig = readComponentSignature(await build(`package example:app;
      interface store { get: func(key: string) -> option<list<u8>>; }
      world w {
        import wasi:clocks/wall-clock@0.2.3;
        import wasi:random/random@0.2.3;
        import store;
        export run: func() -> u64;
      }
      package wasi:clocks@0.2.3 { interface wall-clock { record datetime { seconds: u64, nanoseconds: u32 } now: func() -> datetime; } }
      package wasi:random@0.2.3 { interface random { get-random-u64: func() -> u64; } }`));
    expect(sig.imports).toEqual(['wasi:clocks/wall-clock@0.2.3', 'wasi:random/random@0.2.3', 'example:app/store']);
    expect(signatures(sig)).toEqual(['run: func() -> u64']);
  });

  it('reads a function with no params and no result, keeping kebab-case and keyword names', async () => {
    const sig = readComponentSignature(await build(`package t:t; world w {
      export do-nothing: func();
      export sum-list-of-numbers: func(the-values: list<s64>) -> s64;
      export %type: func(%list: u32) -> u32;
    }`));
    expect(fn(sig, 'do-nothing')).toEqual({ name: 'do-nothing', params: [] });
    expect(signatures(sig)).toEqual([
      'do-nothing: func()',
      'sum-list-of-numbers: func(the-values: list<s64>) -> s64',
      '%type: func(%list: u32) -> u32',
    ]);
  });

  it('reads fixed-size lists, futures, streams and error-context', async () => {
    const sig = readComponentSignature(await build(`package t:t; world w {
      export f: func(a: list<u8, 4>, b: future<u32>, c: stream<u8>, d: future, e: stream) -> error-context;
    }`));
    expect(signatures(sig)).toEqual(['f: func(a: list<u8, 4>, b: future<u32>, c: stream<u8>, d: future, e: stream) -> error-context']);
    expect(paramType(fn(sig, 'f'))).toEqual({ kind: 'list', element: { kind: 'u8' }, length: 4 });
  });

  it('reads the older named-results encoding and the 0x01 extern name form', () => {
    const read = (results: number[]): string =>
      signatures(readComponentSignature(importAndExport([0x40, 1, ...name('a'), 0x79, ...results]))).join();
    expect(read([0x01, 0])).toBe('f: func(a: u32)');
    expect(read([0x01, 1, ...name('x'), 0x79])).toBe('f: func(a: u32) -> u32');
    expect(read([0x01, 2, ...name('x'), 0x79, ...name('y'), 0x73])).toBe('f: func(a: u32) -> tuple<u32, string>');
    expect(read([0x00, 0x73])).toBe('f: func(a: u32) -> string');
  });

  it('reads flags with more than 32 members, which older toolchains could emit', () => {
    const many = Array.from({ length: 40 }, (_, i) => `flag-${i}`);
    const flagsType = [0x6e, many.length, ...many.flatMap(name)];
    const sig = readComponentSignature(importAndExport([0x40, 1, ...name('a'), 0, 0x01, 0], [flagsType]));
    expect(paramType(fn(sig, 'f'))).toEqual({ kind: 'flags', flags: many });
  });

  it('follows inline-export instances, outer aliases, type exports and export ascriptions', async () => {
    const bytes = await parse(`(component
      (type $rec (record (field "a" u32)))
      (export $thing "thing" (type $rec))
      (type $ft (func (param "t" $thing) (result string)))
      (import "f" (func $f (type $ft)))
      (instance $i (export "g" (func $f)))
      (export "my:pkg/iface" (instance $i))
      (component $inner
        (alias outer 1 $thing (type $t))
        (export $item "item" (type $t))
        (type $ft2 (func (param "t" $item) (result string)))
        (import "h" (func $h (type $ft)))
        (export "renamed" (func $h) (func (type $ft2))))
      (instance $j (instantiate $inner (with "h" (func $f))))
      (export "my:pkg/other" (instance $j)))`);
    const sig = readComponentSignature(bytes);
    expect(sig.imports).toEqual([]);
    expect(signatures(sig, 'my:pkg/iface')).toEqual(['g: func(t: thing) -> string']);
    expect(signatures(sig, 'my:pkg/other')).toEqual(['renamed: func(t: item) -> string']);
  });

  it('matches the export lines jco prints for generated worlds', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const { wit, count } = generateWorld(mulberry32(seed));
      const bytes = await build(wit);
      const oracle = (await componentWit(bytes)).split('\n')
        .map((l) => /^\s*export ([^:]+: func.*);$/.exec(l)?.[1])
        .filter((l): l is string => l !== undefined);
      const sig = readComponentSignature(bytes);
      expect(oracle).toHaveLength(count);
      expect(signatures(sig).sort(), wit).toEqual(oracle.sort());
    }
  });
});

describe('readComponentSignature rejects what is not a readable component', () => {
  it('rejects a core module, saying so', async () => {
    const module = await parse('(module)');
    expect(() => readComponentSignature(module)).toThrow(/core WebAssembly module/);
  });

  it('rejects empty input and garbage', () => {
    expect(() => readComponentSignature(new Uint8Array())).toThrow(/input is empty/);
    const next = mulberry32(7);
    const garbage = Uint8Array.from({ length: 512 }, () => Math.floor(next() * 256));
    expect(() => readComponentSignature(garbage)).toThrow(/magic bytes/);
    expect(() => readComponentSignature(new TextEncoder().encode('{"not":"wasm"}'))).toThrow(/magic bytes/);
  });

  it('rejects every truncation inside a section as truncated', async () => {
    const bytes = await build(CALCULATOR, 'calculator');
    const bounds = sectionBoundaries(bytes);
    for (let cut = 1; cut < bytes.length; cut++) {
      const read = (): ComponentSignature => readComponentSignature(bytes.subarray(0, cut));
      // A cut between sections is a smaller but well-formed component.
      if (bounds.has(cut)) expect(read).not.toThrow();
      else expect(read, `cut at ${cut}`).toThrow(/^truncated component: unexpected end of input at offset \d+/);
    }
  });

  it('names the opcode and offset of unsupported encodings', () => {
    const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 7, 2, 1, 0x63]);
    expect(() => readComponentSignature(bytes)).toThrow('unsupported value type opcode 0x63 at offset 11');
    const canon = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 8, 2, 1, 0x09]);
    expect(() => readComponentSignature(canon)).toThrow('unsupported canon opcode 0x09 at offset 11');
    const layer = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0c, 0x00, 0x01, 0x00]);
    expect(() => readComponentSignature(layer)).toThrow(/unsupported component binary version 0x0c/);
  });

  it('stops exponential nested instantiation and runaway nesting with a plain Error', async () => {
    const levels = Array.from({ length: 30 }, (_, k) =>
      `(component $c${k + 1} (alias outer 1 $c${k} (component $x)) (instance (instantiate $x)) (instance (instantiate $x)))`);
    const bomb = await parse(`(component (component $c0) ${levels.join(' ')} (instance (instantiate $c30)))`);
    expect(() => readComponentSignature(bomb)).toThrow(/exceed the parse budget/);
    const leb = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...leb(n >>> 7)]);
    const body = [1, ...Array.from({ length: 200_000 }, () => [0x42, 0x01, 0x01]).flat()];
    const deep = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 7, ...leb(body.length), ...body]);
    expect(() => readComponentSignature(deep)).toThrow(/nesting too deep/);
  });

  it('only ever throws a plain Error on corrupted components', async () => {
    const bytes = await build(CALCULATOR, 'calculator');
    const next = mulberry32(11);
    for (let i = 0; i < 500; i++) {
      const copy = bytes.slice();
      for (let j = 0; j < 3; j++) copy[Math.floor(next() * (copy.length - 8)) + 8] = Math.floor(next() * 256);
      try {
        readComponentSignature(copy);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect(Object.getPrototypeOf(e)).toBe(Error.prototype);
      }
    }
  });
});

/** A world whose `use`d and local types and random function signatures exercise the reader. */
function generateWorld(next: () => number): { wit: string; count: number } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const prims = ['bool', 's8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64', 'char', 'string'];
  const named = ['point', 'shape', 'color', 'perms', 'local-rec', 'local-enum'];
  const type = (depth: number): string => {
    const roll = next();
    if (depth >= 3 || roll < 0.35) return pick(prims);
    if (roll < 0.5) return pick(named);
    if (roll < 0.6) return `list<${type(depth + 1)}>`;
    if (roll < 0.7) return `option<${type(depth + 1)}>`;
    if (roll < 0.8) return `tuple<${type(depth + 1)}, ${type(depth + 1)}>`;
    if (roll < 0.85) return `result<${type(depth + 1)}, ${type(depth + 1)}>`;
    if (roll < 0.9) return `result<_, ${type(depth + 1)}>`;
    if (roll < 0.95) return `result<${type(depth + 1)}>`;
    return 'result';
  };
  const count = 3 + Math.floor(next() * 5);
  const funcs = Array.from({ length: count }, (_, i) => {
    const params = Array.from({ length: Math.floor(next() * 4) }, (_, j) => `arg-${j}: ${type(0)}`);
    const result = next() < 0.8 ? ` -> ${type(0)}` : '';
    return `  export fn-${i}: func(${params.join(', ')})${result};`;
  });
  const wit = `package gen:w;
interface types {
  record point { x: s32, y: s32 }
  variant shape { none, circle(f64), poly(list<point>) }
  enum color { red, green }
  flags perms { read, write }
}
world w {
  use types.{point, shape, color, perms};
  record local-rec { name: string, at: option<point> }
  enum local-enum { one, two }
${funcs.join('\n')}
}`;
  return { wit, count };
}
