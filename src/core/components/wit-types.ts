/**
 * The WIT type model taho reads out of a component binary. It drives the value codec,
 * argument validation, `taho services` signatures and Golem's component metadata.
 */

export type PrimitiveKind =
  | 'bool' | 's8' | 'u8' | 's16' | 'u16' | 's32' | 'u32' | 's64' | 'u64'
  | 'f32' | 'f64' | 'char' | 'string' | 'error-context';

export interface WitField { readonly name: string; readonly type: WitType }
export interface WitCase { readonly name: string; readonly type?: WitType }

/** Named kinds (record, variant, enum, flags, resource handles) carry the WIT name when the component gives one. */
export type WitType =
  | { readonly kind: PrimitiveKind }
  | { readonly kind: 'list'; readonly element: WitType; readonly length?: number }
  | { readonly kind: 'tuple'; readonly items: readonly WitType[] }
  | { readonly kind: 'record'; readonly name?: string; readonly fields: readonly WitField[] }
  | { readonly kind: 'variant'; readonly name?: string; readonly cases: readonly WitCase[] }
  | { readonly kind: 'enum'; readonly name?: string; readonly cases: readonly string[] }
  | { readonly kind: 'flags'; readonly name?: string; readonly flags: readonly string[] }
  | { readonly kind: 'option'; readonly inner: WitType }
  | { readonly kind: 'result'; readonly ok?: WitType; readonly err?: WitType }
  | { readonly kind: 'own' | 'borrow'; readonly resource: string }
  | { readonly kind: 'future' | 'stream'; readonly inner?: WitType };

export interface WitParam { readonly name: string; readonly type: WitType }

/** One exported function: world-level (`iface` absent) or inside an exported interface. */
export interface WitFunction {
  /** The WIT name, kebab-case, e.g. `sum-list`; resource methods keep the `[method]res.fn` form. */
  readonly name: string;
  /** Fully qualified interface name, e.g. `example:calculator/ops`, or undefined for world-level exports. */
  readonly iface?: string;
  readonly params: readonly WitParam[];
  readonly result?: WitType;
}

export interface ComponentSignature {
  readonly functions: readonly WitFunction[];
  /** Interfaces the component imports (e.g. `wasi:clocks/wall-clock@0.2.3`), in binary order. */
  readonly imports: readonly string[];
}
