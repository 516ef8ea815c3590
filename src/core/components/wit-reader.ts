/**
 * Reads exported function signatures out of a WebAssembly component binary.
 *
 * jco's WIT printer drops the bodies of `use`d types and the functions of exported
 * interfaces, so this walks the component model binary format itself
 * (https://github.com/WebAssembly/component-model/blob/main/design/mvp/Binary.md)
 * and keeps only what signatures need: the component-level type, func, instance and
 * component index spaces. Core definitions are never referenced by what we report, so
 * core sections are skipped by size and core index spaces are not tracked.
 */
import type {
  ComponentSignature, PrimitiveKind, WitCase, WitField, WitFunction, WitParam, WitType,
} from './wit-types.js';
import { hex, Reader, unsupported } from './binary-reader.js';

interface FuncSig { readonly params: readonly WitParam[]; readonly result?: WitType }
type Exports = ReadonlyMap<string, Extern>;

/** What a type index refers to; value types are already resolved to their `WitType`. */
type TypeDef =
  | { readonly tag: 'value'; readonly value: WitType }
  | { readonly tag: 'func'; readonly fn: FuncSig }
  | { readonly tag: 'instance' | 'component'; readonly exports: Exports }
  | { readonly tag: 'resource'; readonly name: string };
type TypeTag = TypeDef['tag'];

/**
 * Nested components are parsed when instantiated, because only then are their
 * imports bound to the outer definitions that give them concrete types.
 */
type ComponentDef =
  | { readonly kind: 'nested'; readonly start: number; readonly end: number; readonly parent: Scope }
  | { readonly kind: 'typed'; readonly exports: Exports };

type Extern =
  | { readonly sort: 'func'; readonly fn: FuncSig }
  | { readonly sort: 'type'; readonly type: TypeDef }
  | { readonly sort: 'instance'; readonly exports: Exports }
  | { readonly sort: 'component'; readonly component: ComponentDef }
  | { readonly sort: 'other' };

type Sort = 'core' | 'func' | 'value' | 'type' | 'component' | 'instance';

/** Index spaces of one component, or of one instance/component type declarator. */
interface Scope {
  readonly parent: Scope | undefined;
  readonly types: TypeDef[];
  readonly funcs: FuncSig[];
  readonly instances: Exports[];
  readonly components: ComponentDef[];
  /** Bytes of nested components still allowed to be parsed; stops instantiation blow-ups and cycles. */
  readonly budget: { remaining: number };
}

const OTHER: Extern = { sort: 'other' };
const SORTS: readonly (Sort | undefined)[] = ['core', 'func', 'value', 'type', 'component', 'instance'];
const PRIMITIVES: Readonly<Record<number, PrimitiveKind>> = {
  0x7f: 'bool', 0x7e: 's8', 0x7d: 'u8', 0x7c: 's16', 0x7b: 'u16', 0x7a: 's32', 0x79: 'u32',
  0x78: 's64', 0x77: 'u64', 0x76: 'f32', 0x75: 'f64', 0x74: 'char', 0x73: 'string', 0x64: 'error-context',
};
const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const COMPONENT_VERSION = 0x0d;
/** wit-component instantiates each nested component once; this leaves ample room beyond that. */
const NESTED_BUDGET_FACTOR = 8;

function newScope(parent: Scope | undefined, budget: { remaining: number }): Scope {
  return { parent, types: [], funcs: [], instances: [], components: [], budget };
}

function at<T>(list: readonly T[], index: number, what: string, offset: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`malformed component: ${what} index ${index} out of range at offset ${offset}`);
  return item;
}

function readTypeIndex(r: Reader, scope: Scope): TypeDef {
  const offset = r.pos;
  return at(scope.types, r.u32('type index'), 'type', offset);
}

/** Reads a type index and checks that it names a type of the expected kind. */
function readTypeRef<K extends TypeTag>(r: Reader, scope: Scope, tag: K): Extract<TypeDef, { tag: K }> {
  const offset = r.pos;
  const t = readTypeIndex(r, scope);
  if (t.tag !== tag) throw new Error(`malformed component: expected a ${tag} type, found a ${t.tag} type at offset ${offset}`);
  return t as Extract<TypeDef, { tag: K }>;
}

/** Gives a type the name it is exported or imported under; only nominal kinds carry names. */
function named(t: TypeDef, name: string): TypeDef {
  if (t.tag === 'resource') return { tag: 'resource', name };
  if (t.tag !== 'value') return t;
  const v = t.value;
  switch (v.kind) {
    case 'record': case 'variant': case 'enum': case 'flags': return { tag: 'value', value: { ...v, name } };
    default: return t;
  }
}

function readPreamble(r: Reader): void {
  const size = r.end - r.pos;
  if (size === 0) throw new Error('not a WebAssembly component: input is empty');
  const head = r.bytes.subarray(r.pos, r.pos + Math.min(size, 8));
  if (MAGIC.some((b, i) => i < head.length && head[i] !== b)) {
    throw new Error('not a WebAssembly component: input does not start with the WebAssembly magic bytes (garbage or another format)');
  }
  r.need(8, 'preamble');
  const [version = 0, versionHi, layer = 0, layerHi] = head.subarray(4, 8);
  if (layer === 0 && layerHi === 0) {
    throw new Error(`not a WebAssembly component: input is a core WebAssembly module (version ${version}), not a component`);
  }
  if (layer !== 1 || layerHi !== 0 || version !== COMPONENT_VERSION || versionHi !== 0) {
    throw new Error(`unsupported component binary version ${hex(version)} layer ${hex(layer)} at offset ${r.pos + 4}`);
  }
  r.pos += 8;
}

function readSort(r: Reader): Sort {
  const b = r.byte('sort');
  const sort = SORTS[b] ?? r.fail('sort', b);
  if (sort === 'core') r.byte('core sort');
  return sort;
}

function resolve(scope: Scope, sort: Sort, index: number, offset: number): Extern {
  switch (sort) {
    case 'func': return { sort, fn: at(scope.funcs, index, 'func', offset) };
    case 'type': return { sort, type: at(scope.types, index, 'type', offset) };
    case 'instance': return { sort, exports: at(scope.instances, index, 'instance', offset) };
    case 'component': return { sort, component: at(scope.components, index, 'component', offset) };
    default: return OTHER;
  }
}

function readSortIdx(r: Reader, scope: Scope): Extern {
  const sort = readSort(r);
  const offset = r.pos;
  return resolve(scope, sort, r.u32('sort index'), offset);
}

/** Every import, export and alias adds an index to its sort's index space. */
function addExtern(scope: Scope, e: Extern): void {
  if (e.sort === 'func') scope.funcs.push(e.fn);
  else if (e.sort === 'type') scope.types.push(e.type);
  else if (e.sort === 'instance') scope.instances.push(e.exports);
  else if (e.sort === 'component') scope.components.push(e.component);
}

/** importname' / exportname': 0x01 is a historical "interface name" marker with the same payload. */
function readExternName(r: Reader): string {
  r.flag('extern name kind');
  return r.name('extern name');
}

/**
 * Reads an externdesc. `actual` is what an instantiation supplies for an import: it wins
 * over the declared type for funcs, instances and resources, because its types carry
 * the outer component's names.
 */
function readExternDesc(r: Reader, scope: Scope, name: string, actual: Extern | undefined): Extern {
  const kind = r.byte('externdesc');
  switch (kind) {
    case 0x00: r.byte('core sort'); r.u32('core type index'); return OTHER;
    case 0x01: {
      const { fn } = readTypeRef(r, scope, 'func');
      return { sort: 'func', fn: actual?.sort === 'func' ? actual.fn : fn };
    }
    case 0x02:
      if (r.flag('value bound')) readValType(r, scope);
      else r.u32('value index');
      return OTHER;
    case 0x03:
      if (!r.flag('type bound')) return { sort: 'type', type: named(readTypeIndex(r, scope), name) };
      return { sort: 'type', type: actual?.sort === 'type' ? named(actual.type, name) : { tag: 'resource', name } };
    case 0x04: {
      const { exports } = readTypeRef(r, scope, 'component');
      return { sort: 'component', component: actual?.sort === 'component' ? actual.component : { kind: 'typed', exports } };
    }
    case 0x05: {
      const { exports } = readTypeRef(r, scope, 'instance');
      return { sort: 'instance', exports: actual?.sort === 'instance' ? actual.exports : exports };
    }
    default: return r.fail('externdesc', kind);
  }
}

function readAlias(r: Reader, scope: Scope): void {
  const sort = readSort(r);
  const offset = r.pos;
  const target = r.byte('alias target');
  if (target === 0x00) {
    const exports = at(scope.instances, r.u32('instance index'), 'instance', offset + 1);
    const name = r.name('alias export name');
    if (sort === 'core' || sort === 'value') return;
    const e = exports.get(name);
    if (e?.sort !== sort) throw new Error(`malformed component: instance has no ${sort} export "${name}" (alias at offset ${offset})`);
    addExtern(scope, e);
  } else if (target === 0x01) {
    r.u32('core instance index');
    r.skipName('core export name');
  } else if (target === 0x02) {
    const count = r.u32('outer count');
    let outer: Scope | undefined = scope;
    for (let i = 0; i < count && outer; i++) outer = outer.parent;
    if (!outer) throw new Error(`malformed component: outer alias count ${count} too large at offset ${offset}`);
    const indexOffset = r.pos;
    const index = r.u32('outer index');
    if (sort !== 'core') addExtern(scope, resolve(outer, sort, index, indexOffset));
  } else {
    r.fail('alias target', target);
  }
}

function readValType(r: Reader, scope: Scope): WitType {
  r.need(1, 'value type');
  const b = r.bytes[r.pos] ?? 0;
  // A single byte in 0x40..0x7f is a negative s33: a primitive, never a type index.
  if (b < 0x40 || b >= 0x80) return readTypeRef(r, scope, 'value').value;
  r.pos++;
  return { kind: PRIMITIVES[b] ?? r.fail('primitive value type', b) };
}

function readOptValType(r: Reader, scope: Scope, what: string): WitType | undefined {
  return r.flag(what) ? readValType(r, scope) : undefined;
}

function readCase(r: Reader, scope: Scope): WitCase {
  const name = r.name('variant case name');
  const type = readOptValType(r, scope, 'variant case type');
  if (r.flag('variant case refines')) r.u32('refined case index');
  return type ? { name, type } : { name };
}

function readField(r: Reader, scope: Scope): WitField {
  return { name: r.name('field name'), type: readValType(r, scope) };
}

function readDefValType(r: Reader, scope: Scope, op: number): WitType {
  const prim = PRIMITIVES[op];
  if (prim) return { kind: prim };
  switch (op) {
    case 0x72: return { kind: 'record', fields: r.vec('record fields', () => readField(r, scope)) };
    case 0x71: return { kind: 'variant', cases: r.vec('variant cases', () => readCase(r, scope)) };
    case 0x70: return { kind: 'list', element: readValType(r, scope) };
    case 0x67: return { kind: 'list', element: readValType(r, scope), length: r.u32('fixed list length') };
    case 0x6f: return { kind: 'tuple', items: r.vec('tuple types', () => readValType(r, scope)) };
    case 0x6e: return { kind: 'flags', flags: r.vec('flag names', () => r.name('flag name')) };
    case 0x6d: return { kind: 'enum', cases: r.vec('enum cases', () => r.name('enum case')) };
    case 0x6b: return { kind: 'option', inner: readValType(r, scope) };
    case 0x6a: {
      const ok = readOptValType(r, scope, 'result ok type');
      const err = readOptValType(r, scope, 'result error type');
      return { kind: 'result', ...(ok && { ok }), ...(err && { err }) };
    }
    case 0x69: return { kind: 'own', resource: readTypeRef(r, scope, 'resource').name };
    case 0x68: return { kind: 'borrow', resource: readTypeRef(r, scope, 'resource').name };
    case 0x66: case 0x65: {
      const inner = readOptValType(r, scope, 'payload type');
      const kind = op === 0x66 ? 'stream' : 'future';
      return inner ? { kind, inner } : { kind };
    }
    default: return r.fail('value type', op);
  }
}

function readFuncType(r: Reader, scope: Scope): FuncSig {
  const params = r.vec('params', () => readField(r, scope));
  if (!r.flag('result list')) return { params, result: readValType(r, scope) };
  // Older binaries name their results; several of them are reported as a tuple.
  const results = r.vec('results', () => readField(r, scope));
  const [first] = results;
  if (!first) return { params };
  return { params, result: results.length === 1 ? first.type : { kind: 'tuple', items: results.map((p) => p.type) } };
}

function readType(r: Reader, scope: Scope): TypeDef {
  const op = r.byte('type');
  switch (op) {
    case 0x3f:
      r.byte('resource representation');
      if (r.flag('resource destructor')) r.u32('destructor index');
      // Unnamed until an import or export names it; the index keeps distinct resources apart.
      return { tag: 'resource', name: `resource-${scope.types.length}` };
    case 0x40: case 0x43: return { tag: 'func', fn: readFuncType(r, scope) };
    case 0x41: return { tag: 'component', exports: readDecls(r, scope, true) };
    case 0x42: return { tag: 'instance', exports: readDecls(r, scope, false) };
    default: return { tag: 'value', value: readDefValType(r, scope, op) };
  }
}

/** Instance and component type bodies: declarations in their own index spaces, collecting exports. */
function readDecls(r: Reader, parent: Scope, allowImports: boolean): Exports {
  const scope = newScope(parent, parent.budget);
  const exports = new Map<string, Extern>();
  r.vec('declarations', () => {
    const kind = r.byte('declaration');
    if (kind === 0x00) skipCoreType(r);
    else if (kind === 0x01) scope.types.push(readType(r, scope));
    else if (kind === 0x02) readAlias(r, scope);
    else if (kind === 0x03 && allowImports) addExtern(scope, readExternDesc(r, scope, readExternName(r), undefined));
    else if (kind !== 0x04) r.fail('declaration', kind);
    else {
      const name = readExternName(r);
      const e = readExternDesc(r, scope, name, undefined);
      addExtern(scope, e);
      exports.set(name, e);
    }
  });
  return exports;
}

function skipCoreValType(r: Reader): void {
  const b = r.byte('core value type');
  if (b === 0x63 || b === 0x64) r.u32('heap type');
}

function skipCoreImportDesc(r: Reader): void {
  const kind = r.byte('core import kind');
  if (kind === 0x00) r.u32('core type index');
  else if (kind === 0x01 || kind === 0x02) {
    if (kind === 0x01) skipCoreValType(r);
    const limits = r.byte('limits');
    r.u32('limits min');
    if (limits & 0x01) r.u32('limits max');
  } else if (kind === 0x03) {
    skipCoreValType(r);
    r.byte('global mutability');
  } else if (kind === 0x04) {
    r.byte('tag attribute');
    r.u32('tag type index');
  } else r.fail('core import kind', kind);
}

/** Core types inside type declarators carry no component signatures; they are read only to be skipped. */
function skipCoreType(r: Reader): void {
  const op = r.byte('core type');
  if (op === 0x60) {
    r.vec('core params', () => skipCoreValType(r));
    r.vec('core results', () => skipCoreValType(r));
    return;
  }
  if (op !== 0x50) r.fail('core type', op);
  r.vec('module declarations', () => {
    const kind = r.byte('module declaration');
    if (kind === 0x00) { r.skipName('module name'); r.skipName('field name'); skipCoreImportDesc(r); }
    else if (kind === 0x01) skipCoreType(r);
    else if (kind === 0x02) { r.byte('alias sort'); r.byte('alias target'); r.u32('outer count'); r.u32('outer index'); }
    else if (kind === 0x03) { r.skipName('export name'); skipCoreImportDesc(r); }
    else r.fail('module declaration', kind);
  });
}

function readCanon(r: Reader, scope: Scope): void {
  const op = r.byte('canon');
  if (op === 0x02 || op === 0x03 || op === 0x04) {
    r.u32('resource type index');
    return;
  }
  if (op !== 0x00 && op !== 0x01) r.fail('canon', op);
  const sort = r.byte('canon func sort');
  if (sort !== 0x00) r.fail('canon func sort', sort);
  r.u32('function index');
  r.vec('canon options', () => {
    const opt = r.byte('canon option');
    if (opt === 0x03 || opt === 0x04 || opt === 0x05 || opt === 0x07 || opt === 0x08) r.u32('canon option index');
    else if (opt > 0x09) r.fail('canon option', opt);
  });
  // Only `lift` defines a component func; `lower` defines a core func.
  if (op === 0x00) scope.funcs.push(readTypeRef(r, scope, 'func').fn);
}

function readInstance(r: Reader, scope: Scope): Exports {
  const kind = r.byte('instance');
  const offset = r.pos;
  const exports = new Map<string, Extern>();
  if (kind === 0x01) {
    r.vec('inline exports', () => exports.set(readExternName(r), readSortIdx(r, scope)));
    return exports;
  }
  if (kind !== 0x00) r.fail('instance', kind);
  const component = at(scope.components, r.u32('component index'), 'component', offset);
  r.vec('instantiate args', () => exports.set(r.name('instantiate arg name'), readSortIdx(r, scope)));
  if (component.kind === 'typed') return component.exports;
  scope.budget.remaining -= component.end - component.start;
  if (scope.budget.remaining < 0) throw new Error(`malformed component: nested instantiations at offset ${offset} exceed the parse budget`);
  return readComponent(new Reader(r.bytes, component.start, component.end), component.parent, exports, scope.budget).exports;
}

function readImports(r: Reader, scope: Scope, args: Exports | undefined, imports: string[]): void {
  r.vec('imports', () => {
    const name = readExternName(r);
    const e = readExternDesc(r, scope, name, args?.get(name));
    addExtern(scope, e);
    if (e.sort === 'instance') imports.push(name);
  });
}

function readExports(r: Reader, scope: Scope, exports: Map<string, Extern>): void {
  r.vec('exports', () => {
    const name = readExternName(r);
    const actual = readSortIdx(r, scope);
    // An ascribed type is what the outside world sees, with the export's own type names.
    const ascribed = r.flag('export type ascription');
    let e = ascribed ? readExternDesc(r, scope, name, undefined) : actual;
    if (e.sort === 'type' && !ascribed) e = { sort: 'type', type: named(e.type, name) };
    addExtern(scope, e);
    exports.set(name, e);
  });
}

interface ComponentResult { readonly exports: Exports; readonly imports: readonly string[] }

function readComponent(r: Reader, parent: Scope | undefined, args: Exports | undefined, budget: { remaining: number }): ComponentResult {
  readPreamble(r);
  const scope = newScope(parent, budget);
  const exports = new Map<string, Extern>();
  const imports: string[] = [];
  while (r.pos < r.end) {
    const sectionOffset = r.pos;
    const id = r.byte('section id');
    const s = r.sub(r.u32('section size'), `section ${id}`);
    switch (id) {
      // Custom, core module/instance/type, start and value sections define nothing a signature refers to.
      case 0: case 1: case 2: case 3: case 9: case 12: continue;
      case 4: scope.components.push({ kind: 'nested', start: s.pos, end: s.end, parent: scope }); continue;
      case 5: s.vec('instances', () => scope.instances.push(readInstance(s, scope))); break;
      case 6: s.vec('aliases', () => readAlias(s, scope)); break;
      case 7: s.vec('types', () => scope.types.push(readType(s, scope))); break;
      case 8: s.vec('canons', () => readCanon(s, scope)); break;
      case 10: readImports(s, scope, args, imports); break;
      case 11: readExports(s, scope, exports); break;
      default: unsupported('section id', id, sectionOffset);
    }
    if (s.pos !== s.end) throw new Error(`malformed component: section ${id} at offset ${sectionOffset} has ${s.end - s.pos} unread bytes`);
  }
  return { exports, imports };
}

function toFunction(name: string, iface: string | undefined, fn: FuncSig): WitFunction {
  return { name, ...(iface !== undefined && { iface }), params: fn.params, ...(fn.result && { result: fn.result }) };
}

/**
 * Reads the world-level function exports, the functions of every exported interface
 * and the imported interface names of a component binary.
 */
export function readComponentSignature(bytes: Uint8Array): ComponentSignature {
  let result: ComponentResult;
  try {
    const budget = { remaining: bytes.length * NESTED_BUDGET_FACTOR };
    result = readComponent(new Reader(bytes, 0, bytes.length), undefined, undefined, budget);
  } catch (e) {
    // Deeply nested type declarations can exhaust the stack; callers should still see a plain Error.
    if (e instanceof RangeError) throw new Error(`malformed component: nesting too deep (${e.message})`);
    throw e;
  }
  const functions: WitFunction[] = [];
  for (const [name, e] of result.exports) {
    if (e.sort === 'func') functions.push(toFunction(name, undefined, e.fn));
    if (e.sort !== 'instance') continue;
    for (const [fnName, inner] of e.exports) {
      if (inner.sort === 'func') functions.push(toFunction(fnName, name, inner.fn));
    }
  }
  return { functions, imports: result.imports };
}
