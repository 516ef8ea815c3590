import type { WitType } from '../components/wit-types.js';

/**
 * Golem's AnalysedType (the `typ` of `{typ, value}`): a `type` discriminator with PascalCase
 * tags, as in ../shared/wire/golem.md. taho's WitType maps onto it one to one.
 */
export type AnalysedType =
  | { type: 'Bool' | 'S8' | 'U8' | 'S16' | 'U16' | 'S32' | 'U32' | 'S64' | 'U64' | 'F32' | 'F64' | 'Chr' | 'Str'; name?: string }
  | { type: 'List'; inner: AnalysedType; name?: string }
  | { type: 'Tuple'; items: AnalysedType[]; name?: string }
  | { type: 'Record'; fields: { name: string; typ: AnalysedType }[]; name?: string }
  | { type: 'Variant'; cases: { name: string; typ?: AnalysedType }[]; name?: string }
  | { type: 'Enum'; cases: string[]; name?: string }
  | { type: 'Flags'; names: string[]; name?: string }
  | { type: 'Option'; inner: AnalysedType; name?: string }
  | { type: 'Result'; ok?: AnalysedType; err?: AnalysedType; name?: string }
  | { type: 'Handle'; resource_id: number; mode: 'Owned' | 'Borrowed'; name?: string };

const PRIMITIVE = {
  bool: 'Bool', s8: 'S8', u8: 'U8', s16: 'S16', u16: 'U16', s32: 'S32', u32: 'U32', s64: 'S64', u64: 'U64',
  f32: 'F32', f64: 'F64', char: 'Chr', string: 'Str',
} as const;

export function toAnalysedType(t: WitType): AnalysedType {
  const named = (a: AnalysedType): AnalysedType => ('name' in t && t.name !== undefined ? { ...a, name: t.name } : a);
  switch (t.kind) {
    case 'bool': case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': case 's64': case 'u64':
    case 'f32': case 'f64': case 'char': case 'string':
      return { type: PRIMITIVE[t.kind] };
    case 'list': return { type: 'List', inner: toAnalysedType(t.element) };
    case 'tuple': return { type: 'Tuple', items: t.items.map(toAnalysedType) };
    case 'record': return named({ type: 'Record', fields: t.fields.map((f) => ({ name: f.name, typ: toAnalysedType(f.type) })) });
    case 'variant': return named({ type: 'Variant', cases: t.cases.map((c) => (c.type ? { name: c.name, typ: toAnalysedType(c.type) } : { name: c.name })) });
    case 'enum': return named({ type: 'Enum', cases: [...t.cases] });
    case 'flags': return named({ type: 'Flags', names: [...t.flags] });
    case 'option': return { type: 'Option', inner: toAnalysedType(t.inner) };
    case 'result': return {
      type: 'Result',
      ...(t.ok ? { ok: toAnalysedType(t.ok) } : {}),
      ...(t.err ? { err: toAnalysedType(t.err) } : {}),
    };
    case 'own': case 'borrow':
      return { type: 'Handle', resource_id: 0, mode: t.kind === 'own' ? 'Owned' : 'Borrowed', name: t.resource };
    case 'future': case 'stream': case 'error-context':
      // Golem 1.3 has no async types; a handle is the closest honest description.
      return { type: 'Handle', resource_id: 0, mode: 'Owned', name: t.kind };
  }
}

/**
 * Whether a `typ` a client sent describes the parameter's type. Names are ignored (Golem's
 * clients often omit them); structure must match exactly.
 */
export function sameShape(a: unknown, b: AnalysedType): boolean {
  if (typeof a !== 'object' || a === null) return false;
  const x = a as Record<string, unknown>;
  if (x.type !== b.type) return false;
  switch (b.type) {
    case 'List': case 'Option': return sameShape(x.inner, b.inner);
    case 'Tuple': return Array.isArray(x.items) && x.items.length === b.items.length && b.items.every((t, i) => sameShape((x.items as unknown[])[i], t));
    case 'Record': return Array.isArray(x.fields) && x.fields.length === b.fields.length
      && b.fields.every((f, i) => {
        const g = (x.fields as { name?: unknown; typ?: unknown }[])[i];
        return g?.name === f.name && sameShape(g.typ, f.typ);
      });
    case 'Variant': return Array.isArray(x.cases) && x.cases.length === b.cases.length
      && b.cases.every((c, i) => {
        const g = (x.cases as { name?: unknown; typ?: unknown }[])[i];
        return g?.name === c.name && (c.typ === undefined ? g.typ === undefined || g.typ === null : sameShape(g.typ, c.typ));
      });
    case 'Enum': return sameList(x.cases, b.cases);
    case 'Flags': return sameList(x.names, b.names);
    case 'Result': return (b.ok === undefined ? x.ok == null : sameShape(x.ok, b.ok)) && (b.err === undefined ? x.err == null : sameShape(x.err, b.err));
    case 'Handle': return x.mode === b.mode;
    default: return true;
  }
}

function sameList(a: unknown, b: readonly string[]): boolean {
  return Array.isArray(a) && a.length === b.length && b.every((s, i) => a[i] === s);
}
