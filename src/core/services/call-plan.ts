import { TahoError } from '../errors.js';
import type { WitFunction, WitType } from '../components/wit-types.js';
import { formatWitFunction, formatWitType } from '../components/wit-print.js';
import { compileLift, compileLower, type Json, type Lift, type Lower } from '../values/plain.js';
import { toLowerCamel } from '../../shared/case.js';
import { functionNames } from '../components/registry.js';

/**
 * Everything needed to call one exported function, worked out once per component version:
 * how to shape and check the JSON input, where jco put the function, how to turn the result back.
 */
export interface CallPlan {
  readonly fn: WitFunction;
  readonly signature: string;
  /** JSON input (array positional, object by name, lone value) → jco arguments. */
  readonly args: (input: unknown) => unknown[];
  /** jco's return value → plain JSON. */
  readonly result: Lift;
  /** For a `result<T, E>` return, jco throws E; this turns the payload into JSON. */
  readonly error: Lift | undefined;
  /** The property path of the function in jco's exports. */
  readonly path: readonly string[];
}

/** Call plans of every exported function, under every name it can be called by. */
export function planAll(functions: readonly WitFunction[]): Map<string, CallPlan> {
  const plans = new Map<string, CallPlan>();
  for (const fn of functions) {
    const plan = planCall(fn);
    for (const name of functionNames(fn)) plans.set(name, plan);
  }
  return plans;
}

export function planCall(fn: WitFunction): CallPlan {
  const signature = formatWitFunction(fn);
  const params = fn.params.map((p) => ({ name: p.name, type: p.type, lower: compileLower(p.type) }));
  const resultType = fn.result;
  const isResult = resultType?.kind === 'result';
  const result: Lift = resultType === undefined
    ? () => null
    : isResult
      ? liftOk(resultType)
      : compileLift(resultType);
  const error = isResult && resultType.err ? compileLift(resultType.err) : isResult ? () => null : undefined;
  return {
    fn, signature, result, error,
    args: shapeArguments(fn, params),
    path: fn.iface === undefined ? [toLowerCamel(fn.name)] : [fn.iface, toLowerCamel(fn.name)],
  };
}

function liftOk(type: WitType & { kind: 'result' }): Lift {
  const ok = type.ok ? compileLift(type.ok) : undefined;
  return (v) => (ok ? ok(v) : null);
}

interface Param { readonly name: string; readonly type: WitType; readonly lower: Lower }

function shapeArguments(fn: WitFunction, params: readonly Param[]): (input: unknown) => unknown[] {
  const names = new Set(params.map((p) => p.name));
  const label = (p: Param) => `parameter \`${p.name}\` of ${fn.name}`;
  const positional = (values: readonly unknown[]): unknown[] => {
    if (values.length !== params.length) {
      throw new TahoError('TAHO_BAD_ARGUMENTS',
        `${fn.name} takes ${params.length} argument${params.length === 1 ? '' : 's'} (${describeParams(params)}), got ${values.length}`,
        { hint: `Call it as ${formatWitFunction(fn)}.` });
    }
    return params.map((p, i) => p.lower(values[i], label(p)));
  };
  const byName = (obj: Record<string, unknown>): unknown[] => {
    const unknown = Object.keys(obj).find((k) => !names.has(k));
    if (unknown !== undefined) {
      throw new TahoError('TAHO_BAD_ARGUMENTS', `${fn.name} has no parameter \`${unknown}\`; its parameters are ${describeParams(params) || 'none'}`,
        { hint: `Call it as ${formatWitFunction(fn)}.` });
    }
    return params.map((p) => {
      if (!(p.name in obj) && p.type.kind !== 'option') {
        throw new TahoError('TAHO_BAD_ARGUMENTS', `${fn.name} is missing parameter \`${p.name}\` (${formatWitType(p.type)})`,
          { hint: `Call it as ${formatWitFunction(fn)}.` });
      }
      return p.lower(obj[p.name], label(p));
    });
  };
  const only = params.length === 1 ? params[0] : undefined;
  return (input) => {
    if (input === undefined || (params.length === 0 && isEmpty(input))) return positional([]);
    if (only && !Array.isArray(input) && !(isObject(input) && Object.keys(input).every((k) => names.has(k)) && Object.keys(input).length > 0)) {
      return [only.lower(input, label(only))];
    }
    if (Array.isArray(input)) {
      // A lone list or tuple argument may be sent bare (`[1,2,3]` for `sum(values: list<s32>)`).
      if (only && (only.type.kind === 'list' || only.type.kind === 'tuple')) {
        try {
          return [only.lower(input, label(only))];
        } catch (err) {
          if (input.length !== 1) throw err;
        }
      }
      return positional(input);
    }
    if (isObject(input)) return byName(input);
    return positional([input]);
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function isEmpty(v: unknown): boolean {
  return v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

function describeParams(params: readonly Param[]): string {
  return params.map((p) => `${p.name}: ${formatWitType(p.type)}`).join(', ');
}

export type { Json };
