import { TahoError } from '../errors.js';
import type { WitFunction, WitType } from '../components/wit-types.js';
import { sameShape, toAnalysedType, type AnalysedType } from './analysed.js';
import { compileLift, compileLower, type Json } from './plain.js';

/** Golem's `ValueAndOptionalType`: `typ` may be left out, and is then taken from the component. */
export interface ValueAndOptionalType {
  readonly typ?: unknown;
  readonly value: unknown;
}

/** Golem's `ValueAndType`. */
export interface ValueAndType {
  readonly typ: AnalysedType;
  readonly value: Json;
}

export interface TypedCall {
  /** `{"params": [{typ?, value}…]}` → jco arguments; every problem is reported at once. */
  readonly args: (params: readonly ValueAndOptionalType[]) => unknown[];
  /** jco's result → Golem's `{typ, value}`, or undefined for a function without a result. */
  readonly result: (value: unknown) => ValueAndType | undefined;
}

/**
 * Golem's typed invocation values for one function, compiled once: parameters typed or untyped
 * (typed from the component's metadata), each checked against the function's WIT type.
 */
export function compileTypedCall(fn: WitFunction): TypedCall {
  const params = fn.params.map((p) => ({ name: p.name, typ: toAnalysedType(p.type), lower: compileLower(p.type, 'golem') }));
  const resultType = fn.result;
  const resultTyp = resultType ? toAnalysedType(resultType) : undefined;
  const lift = resultType ? compileLift(resultType, 'golem') : undefined;
  return {
    args(given) {
      const errors: string[] = [];
      if (given.length !== params.length) {
        errors.push(`${fn.name} takes ${params.length} parameter${params.length === 1 ? '' : 's'}, got ${given.length}`);
      }
      const out = params.map((p, i) => {
        const v = given[i];
        if (v === undefined) return undefined;
        if (v.typ !== undefined && !sameShape(v.typ, p.typ)) {
          errors.push(`parameter \`${p.name}\` has type ${JSON.stringify(p.typ)}, but its typ says ${JSON.stringify(v.typ)}`);
          return undefined;
        }
        try {
          return p.lower(v.value, `parameter \`${p.name}\``);
        } catch (err) {
          errors.push((err as Error).message);
          return undefined;
        }
      });
      if (errors.length > 0) {
        throw new TahoError('TAHO_BAD_ARGUMENTS', errors.join('; '), {
          hint: 'Each param is {"typ"?, "value"}; GET /v1/components/{id}/latest shows every parameter type.',
          details: { errors },
        });
      }
      return out;
    },
    result(value) {
      if (!resultTyp || !lift) return undefined;
      // jco gives a returned result<T, E> as T (and throws E); Golem's value is {"ok": T}.
      const json = resultType?.kind === 'result' ? { ok: resultType.ok ? compileLift(resultType.ok, 'golem')(value) : null } : lift(value);
      return { typ: resultTyp, value: json };
    },
  };
}

/**
 * Plain JSON (as stored in the oplog) → the `value` Golem expects: chars become code points,
 * unit variant cases `{"case": null}`, and a function's returned result `{"ok": …}`.
 */
export function golemResult(fn: WitFunction, plain: Json): ValueAndType | undefined {
  if (!fn.result) return undefined;
  const value = fn.result.kind === 'result'
    ? { ok: fn.result.ok ? toGolemValue(fn.result.ok, plain) : null }
    : toGolemValue(fn.result, plain);
  return { typ: toAnalysedType(fn.result), value };
}

/**
 * What Golem answers for a finished call: a function returning `result<T, E>` that returned
 * `err(e)` did not fail, it returned a value (`{"err": e}`, 200); traps and other failures stay errors.
 */
export async function golemOutcome(fn: WitFunction, done: Promise<{ readonly result: Json }>): Promise<ValueAndType | undefined> {
  try {
    return golemResult(fn, (await done).result);
  } catch (err) {
    const type = fn.result;
    if (!(err instanceof TahoError) || err.code !== 'TAHO_COMPONENT_ERROR' || type?.kind !== 'result') throw err;
    const payload = ((err.details ?? {}) as { error?: Json }).error ?? null;
    return { typ: toAnalysedType(type), value: { err: type.err ? toGolemValue(type.err, payload) : null } };
  }
}

export function toGolemValue(type: WitType, v: Json): Json {
  switch (type.kind) {
    case 'char': return typeof v === 'string' ? (v.codePointAt(0) ?? 0) : v;
    case 'list': return Array.isArray(v) ? v.map((x) => toGolemValue(type.element, x)) : v;
    case 'tuple': return Array.isArray(v) ? v.map((x, i) => (type.items[i] ? toGolemValue(type.items[i], x) : x)) : v;
    case 'option': return v === null ? null : toGolemValue(type.inner, v);
    case 'record': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
      const out: { [k: string]: Json } = {};
      for (const f of type.fields) out[f.name] = toGolemValue(f.type, v[f.name] ?? null);
      return out;
    }
    case 'variant': {
      if (typeof v === 'string') return { [v]: null };
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
      const [tag, payload] = Object.entries(v)[0] ?? ['', null];
      const c = type.cases.find((x) => x.name === tag);
      return { [tag]: c?.type ? toGolemValue(c.type, payload) : null };
    }
    case 'result': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
      if ('ok' in v) return { ok: type.ok ? toGolemValue(type.ok, v.ok ?? null) : null };
      if ('err' in v) return { err: type.err ? toGolemValue(type.err, v.err ?? null) : null };
      return v;
    }
    default: return v;
  }
}
