import { TahoError } from '../errors.js';
import type { WitType } from '../components/wit-types.js';
import { formatWitType } from '../components/wit-print.js';
import { toLowerCamel } from '../../shared/case.js';

/**
 * Plain JSON ⇄ the JS values jco's bindings take and give, driven by the WIT type. Converters are
 * compiled once per function so a call pays only for the checks its types need.
 *
 * Plain JSON: records are objects keyed by WIT field name, variants `{"case": payload}` (or the
 * bare case name when it has no payload), enums strings, flags arrays of set flag names, options
 * a value or null, results `{"ok": v}` / `{"err": e}` as parameters, 64-bit integers numbers or
 * decimal strings, `char` a one-character string, tuples arrays, `list<u8>` an array of bytes.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * `plain`: TAHO's JSON (a char is a one-character string, a variant case without payload is its
 * bare name). `golem`: the `value` of Golem's `{typ, value}` (a char is its code point, a unit
 * case is `{"case": null}`). Input accepts both spellings in both dialects.
 */
export type Dialect = 'plain' | 'golem';

export type Lower = (value: unknown, at: string) => unknown;
export type Lift = (value: unknown) => Json;

const INT_RANGES = {
  s8: [-128, 127], u8: [0, 255], s16: [-32768, 32767], u16: [0, 65535],
  s32: [-2147483648, 2147483647], u32: [0, 4294967295],
} as const;
const BIG_RANGES = {
  s64: [-(2n ** 63n), 2n ** 63n - 1n], u64: [0n, 2n ** 64n - 1n],
} as const;

function mismatch(type: WitType, value: unknown, at: string, why?: string): TahoError {
  const broken = typeof value === 'string' && type.kind !== 'string' ? notJson(value) : undefined;
  if (broken !== undefined) {
    return new TahoError('TAHO_BAD_JSON', `${at} expects ${formatWitType(type)}, but ${truncate(value as string)} is not valid JSON: ${broken}`, {
      hint: 'Write the value as JSON, with keys and strings in double quotes (e.g. \'{"x":1}\' in single quotes for the shell).',
    });
  }
  const given = value === undefined ? 'nothing' : truncate(JSON.stringify(value) ?? String(value));
  return new TahoError('TAHO_BAD_ARGUMENTS', `${at} expects ${formatWitType(type)}, got ${given}${why ? ` (${why})` : ''}`, {
    hint: 'Pass a JSON value of the parameter\'s WIT type; `taho services` shows every signature.',
  });
}

/** An argument that was meant as JSON (it opens an object or a list) but does not parse: why. */
function notJson(text: string): string | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Builds the converter from plain JSON to the JS value jco lowers into the component. */
export function compileLower(type: WitType, dialect: Dialect = 'plain'): Lower {
  switch (type.kind) {
    case 'bool':
      return (v, at) => { if (typeof v !== 'boolean') throw mismatch(type, v, at); return v; };
    case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': {
      const [min, max] = INT_RANGES[type.kind];
      return (v, at) => {
        if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch(type, v, at);
        if (v < min || v > max) throw mismatch(type, v, at, `out of range ${min}..${max}`);
        return v;
      };
    }
    case 's64': case 'u64': {
      const [min, max] = BIG_RANGES[type.kind];
      return (v, at) => {
        let n: bigint;
        if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
        else if (typeof v === 'string' && /^-?\d+$/.test(v)) n = BigInt(v);
        else if (typeof v === 'bigint') n = v;
        else throw mismatch(type, v, at, typeof v === 'number' ? 'use a decimal string beyond 2^53' : undefined);
        if (n < min || n > max) throw mismatch(type, v, at, `out of range ${min}..${max}`);
        return n;
      };
    }
    case 'f32': case 'f64':
      return (v, at) => { if (typeof v !== 'number') throw mismatch(type, v, at); return v; };
    case 'char':
      return (v, at) => {
        if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x10ffff && (v < 0xd800 || v > 0xdfff)) return String.fromCodePoint(v);
        if (typeof v !== 'string' || [...v].length !== 1) throw mismatch(type, v, at, 'one character, or its code point');
        return v;
      };
    case 'string':
      return (v, at) => { if (typeof v !== 'string') throw mismatch(type, v, at); return v; };
    case 'list':
      return lowerList(type, dialect);
    case 'tuple': {
      const items = type.items.map((t) => compileLower(t, dialect));
      return (v, at) => {
        if (!Array.isArray(v) || v.length !== items.length) throw mismatch(type, v, at, `an array of ${items.length}`);
        return items.map((lower, i) => lower(v[i], `${at}[${i}]`));
      };
    }
    case 'record': {
      const fields = type.fields.map((f) => ({ name: f.name, js: toLowerCamel(f.name), lower: compileLower(f.type, dialect) }));
      const known = new Set(fields.map((f) => f.name));
      return (v, at) => {
        if (!isObject(v)) throw mismatch(type, v, at, 'an object');
        const extra = Object.keys(v).find((k) => !known.has(k));
        if (extra !== undefined) throw mismatch(type, v, at, `unknown field "${extra}"; fields: ${[...known].join(', ')}`);
        const out: Record<string, unknown> = {};
        for (const f of fields) out[f.js] = f.lower(v[f.name], `${at}.${f.name}`);
        return out;
      };
    }
    case 'variant': {
      const cases = new Map(type.cases.map((c) => [c.name, c.type ? compileLower(c.type, dialect) : undefined]));
      return (v, at) => {
        const [tag, payload] = taggedInput(v);
        if (tag === undefined || !cases.has(tag)) throw mismatch(type, v, at, `one of the cases ${[...cases.keys()].join(', ')}`);
        const lower = cases.get(tag);
        if (lower === undefined) return { tag };
        return { tag, val: lower(payload, `${at}.${tag}`) };
      };
    }
    case 'enum': {
      const cases = new Set(type.cases);
      return (v, at) => {
        if (typeof v !== 'string' || !cases.has(v)) throw mismatch(type, v, at, `one of ${type.cases.join(', ')}`);
        return v;
      };
    }
    case 'flags': {
      const names = new Map(type.flags.map((f) => [f, toLowerCamel(f)]));
      return (v, at) => {
        const set = Array.isArray(v) ? v : isObject(v) ? Object.keys(v).filter((k) => v[k] === true) : undefined;
        if (set === undefined) throw mismatch(type, v, at, 'an array of flag names');
        const out: Record<string, boolean> = {};
        for (const js of names.values()) out[js] = false;
        for (const f of set) {
          const js = typeof f === 'string' ? names.get(f) : undefined;
          if (js === undefined) throw mismatch(type, v, at, `unknown flag ${JSON.stringify(f)}; flags: ${type.flags.join(', ')}`);
          out[js] = true;
        }
        return out;
      };
    }
    case 'option': {
      const inner = compileLower(type.inner, dialect);
      // jco writes a nested option as a tagged value, the outermost as `undefined` or the value.
      if (type.inner.kind === 'option') {
        return (v, at) => (v === null || v === undefined ? undefined : { tag: 'some', val: inner(unwrapSome(v), at) });
      }
      return (v, at) => (v === null || v === undefined ? undefined : inner(v, at));
    }
    case 'result': {
      const ok = type.ok ? compileLower(type.ok, dialect) : undefined;
      const err = type.err ? compileLower(type.err, dialect) : undefined;
      return (v, at) => {
        const [tag, payload] = taggedInput(v);
        if (tag === 'ok') return { tag, val: ok?.(payload, `${at}.ok`) };
        if (tag === 'err') return { tag, val: err?.(payload, `${at}.err`) };
        throw mismatch(type, v, at, '{"ok": …} or {"err": …}');
      };
    }
    case 'own': case 'borrow': case 'future': case 'stream': case 'error-context':
      return (v, at) => {
        throw new TahoError('TAHO_UNSUPPORTED_TYPE', `${at} has type ${formatWitType(type)}, which a plain JSON call cannot pass`, {
          hint: 'Resource handles, futures and streams are only usable from inside components or durable agents.',
        });
      };
  }
}

function unwrapSome(v: unknown): unknown {
  return isObject(v) && 'some' in v ? v.some : v;
}

/** Accepts `{"case": payload}`, jco's `{"tag", "val"}`, or a bare case name. */
function taggedInput(v: unknown): [string | undefined, unknown] {
  if (typeof v === 'string') return [v, undefined];
  if (!isObject(v)) return [undefined, undefined];
  if (typeof v.tag === 'string') return [v.tag, v.val];
  const keys = Object.keys(v);
  const key = keys[0];
  return keys.length === 1 && key !== undefined ? [key, v[key]] : [undefined, undefined];
}

const TYPED_ARRAYS = {
  u8: Uint8Array, s8: Int8Array, u16: Uint16Array, s16: Int16Array, u32: Uint32Array, s32: Int32Array,
  f32: Float32Array, f64: Float64Array, s64: BigInt64Array, u64: BigUint64Array,
} as const;

function lowerList(type: WitType & { kind: 'list' }, dialect: Dialect): Lower {
  const element = compileLower(type.element, dialect);
  const kind = type.element.kind;
  const Typed = kind in TYPED_ARRAYS ? TYPED_ARRAYS[kind as keyof typeof TYPED_ARRAYS] : undefined;
  return (v, at) => {
    if (v instanceof Uint8Array && kind === 'u8') return v;
    if (!Array.isArray(v)) throw mismatch(type, v, at, 'an array');
    if (type.length !== undefined && v.length !== type.length) throw mismatch(type, v, at, `exactly ${type.length} items`);
    const items = v.map((item, i) => element(item, `${at}[${i}]`));
    // jco lifts primitive lists as typed arrays and lowers them fastest from the same.
    return Typed ? (Typed as unknown as { from(a: unknown[]): unknown }).from(items) : items;
  };
}

/** Builds the converter from jco's JS value to plain JSON. */
export function compileLift(type: WitType, dialect: Dialect = 'plain'): Lift {
  switch (type.kind) {
    case 'bool': case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': case 'string':
      return (v) => v as Json;
    case 'char':
      return dialect === 'golem' ? (v) => (v as string).codePointAt(0) ?? 0 : (v) => v as Json;
    case 'f32': case 'f64':
      // JSON has no NaN or infinities; null is what JSON.stringify would write anyway, but say it on purpose.
      return (v) => (Number.isFinite(v) ? (v as number) : null);
    case 's64': case 'u64':
      return (v) => liftBig(v);
    case 'list': {
      const element = compileLift(type.element, dialect);
      return (v) => Array.from(v as ArrayLike<unknown>, (item) => element(item));
    }
    case 'tuple': {
      const items = type.items.map((t) => compileLift(t, dialect));
      return (v) => items.map((lift, i) => lift((v as unknown[])[i]));
    }
    case 'record': {
      const fields = type.fields.map((f) => ({ name: f.name, js: toLowerCamel(f.name), lift: compileLift(f.type, dialect) }));
      return (v) => {
        const obj = v as Record<string, unknown>;
        const out: { [k: string]: Json } = {};
        for (const f of fields) out[f.name] = f.lift(obj[f.js]);
        return out;
      };
    }
    case 'variant': {
      const cases = new Map(type.cases.map((c) => [c.name, c.type ? compileLift(c.type, dialect) : undefined]));
      return (v) => {
        const { tag, val } = v as { tag: string; val?: unknown };
        const lift = cases.get(tag);
        if (lift === undefined) return dialect === 'golem' ? { [tag]: null } : tag;
        return { [tag]: lift(val) };
      };
    }
    case 'enum':
      return (v) => v as string;
    case 'flags': {
      const names = type.flags.map((f) => [f, toLowerCamel(f)] as const);
      return (v) => names.filter(([, js]) => (v as Record<string, unknown>)[js] === true).map(([f]) => f);
    }
    case 'option': {
      const inner = compileLift(type.inner, dialect);
      if (type.inner.kind === 'option') {
        return (v) => {
          if (v === undefined || v === null) return null;
          const t = v as { tag: string; val?: unknown };
          return { some: inner(t.val) };
        };
      }
      return (v) => (v === undefined || v === null ? null : inner(v));
    }
    case 'result': {
      const ok = type.ok ? compileLift(type.ok, dialect) : undefined;
      const err = type.err ? compileLift(type.err, dialect) : undefined;
      return (v) => {
        const { tag, val } = v as { tag: string; val?: unknown };
        return tag === 'ok' ? { ok: ok ? ok(val) : null } : { err: err ? err(val) : null };
      };
    }
    case 'own': case 'borrow': case 'future': case 'stream': case 'error-context':
      return () => null;
  }
}

function liftBig(v: unknown): Json {
  const n = typeof v === 'bigint' ? v : BigInt(v as number);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}
