/**
 * Prints the WIT type model back as WIT-like text, for `taho services` signatures and
 * error messages. Output follows the WIT printer of wit-component (used by jco's
 * `componentWit`), so a signature reads the same as in the component's WIT.
 */
import type { WitFunction, WitType } from './wit-types.js';

/** Words WIT reserves; as identifiers they need a `%` prefix to parse. */
const KEYWORDS: ReadonlySet<string> = new Set([
  'as', 'async', 'bool', 'borrow', 'char', 'constructor', 'enum', 'error-context', 'export', 'f32', 'f64',
  'flags', 'float32', 'float64', 'from', 'func', 'future', 'import', 'include', 'interface', 'list', 'option',
  'own', 'package', 'record', 'resource', 'result', 's16', 's32', 's64', 's8', 'static', 'stream', 'string',
  'tuple', 'type', 'u16', 'u32', 'u64', 'u8', 'use', 'variant', 'with', 'world',
]);

function ident(name: string): string {
  return KEYWORDS.has(name) ? `%${name}` : name;
}

function typeArgs(name: string, args: readonly (WitType | undefined)[]): string {
  return `${name}<${args.map((a) => (a ? formatWitType(a) : '_')).join(', ')}>`;
}

/** A type as it appears in a signature: named types by name, anonymous ones structurally. */
export function formatWitType(t: WitType): string {
  switch (t.kind) {
    case 'list': return t.length === undefined ? typeArgs('list', [t.element]) : `list<${formatWitType(t.element)}, ${t.length}>`;
    case 'tuple': return typeArgs('tuple', t.items);
    case 'option': return typeArgs('option', [t.inner]);
    case 'result':
      if (t.err) return typeArgs('result', [t.ok, t.err]);
      return t.ok ? typeArgs('result', [t.ok]) : 'result';
    case 'own': return ident(t.resource);
    case 'borrow': return `borrow<${ident(t.resource)}>`;
    case 'future': case 'stream': return t.inner ? typeArgs(t.kind, [t.inner]) : t.kind;
    case 'record': case 'variant': case 'enum': case 'flags':
      return t.name === undefined ? formatBody(t) : ident(t.name);
    default: return t.kind;
  }
}

type NominalType = Extract<WitType, { kind: 'record' | 'variant' | 'enum' | 'flags' }>;

/** `label` is empty for anonymous types, which WIT cannot spell but a structural reading still helps. */
function formatBody(t: NominalType, label = ''): string {
  const head = label ? `${t.kind} ${ident(label)}` : t.kind;
  switch (t.kind) {
    case 'record': return `${head} { ${t.fields.map((f) => `${ident(f.name)}: ${formatWitType(f.type)}`).join(', ')} }`;
    case 'variant': return `${head} { ${t.cases.map((c) => (c.type ? `${ident(c.name)}(${formatWitType(c.type)})` : ident(c.name))).join(', ')} }`;
    case 'enum': return `${head} { ${t.cases.map(ident).join(', ')} }`;
    case 'flags': return `${head} { ${t.flags.map(ident).join(', ')} }`;
  }
}

/**
 * A named type's definition, e.g. `record point { x: s32, y: s32 }`. Types that carry no
 * name of their own print as `type <name> = ...` when a name is given, else structurally.
 */
export function formatWitTypeDefinition(t: WitType, name?: string): string {
  switch (t.kind) {
    case 'record': case 'variant': case 'enum': case 'flags': return formatBody(t, t.name ?? name);
    case 'own': case 'borrow': return `resource ${ident(t.resource)}`;
    default: return name === undefined ? formatWitType(t) : `type ${ident(name)} = ${formatWitType(t)}`;
  }
}

/** A function signature, e.g. `div: func(a: s32, b: s32) -> result<s32, string>`. */
export function formatWitFunction(f: WitFunction): string {
  const params = f.params.map((p) => `${ident(p.name)}: ${formatWitType(p.type)}`).join(', ');
  const result = f.result ? ` -> ${formatWitType(f.result)}` : '';
  return `${ident(f.name)}: func(${params})${result}`;
}
