import type { Constraint } from './model.js';

/** One Kubernetes-style requirement, as Bacalhau parses label selectors and job constraints. */
export interface Requirement {
  readonly key: string;
  readonly op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

/** Splits on commas that are not inside `( … )`. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * Parses a selector such as `env=prod,tier in (a,b),!gpu,n>3` (comma means AND). Returns the
 * requirements, or a message naming the part that does not parse.
 */
export function parseSelector(selector: string): Requirement[] | string {
  if (selector.trim() === '') return [];
  const out: Requirement[] = [];
  for (const raw of splitTop(selector)) {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^!\s*(\S+)$/.exec(part))) out.push({ key: m[1] as string, op: '!', values: [] });
    else if ((m = /^(\S+?)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part))) {
      const values = (m[3] as string).split(',').map((v) => v.trim()).filter((v) => v !== '');
      if (values.length === 0) return `invalid label selector "${selector}": "${part}" needs at least one value in ( )`;
      out.push({ key: m[1] as string, op: m[2] as 'in' | 'notin', values });
    } else if ((m = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*([^=!<>\s]*)$/.exec(part))) {
      const op = m[2] === '==' || m[2] === '=' ? '=' : m[2] === '!=' ? '!=' : m[2] === '>' ? 'gt' : 'lt';
      const value = m[3] as string;
      if ((op === 'gt' || op === 'lt') && !/^-?\d+$/.test(value)) return `invalid label selector "${selector}": "${part}" compares with a number, got "${value}"`;
      out.push({ key: m[1] as string, op, values: [value] });
    } else if (/^\S+$/.test(part)) out.push({ key: part, op: 'exists', values: [] });
    else return `invalid label selector "${selector}": cannot parse "${part}"`;
    const key = (out.at(-1) as Requirement).key;
    if (!KEY.test(key)) return `invalid label selector "${selector}": "${key}" is not a valid label key`;
  }
  return out;
}

export function matches(labels: Labels, reqs: readonly Requirement[]): boolean {
  return reqs.every((r) => matchOne(labels, r));
}

export function matchOne(labels: Labels, r: Requirement): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case 'exists': return has;
    case '!': return !has;
    case '=': return has && v === r.values[0];
    case '!=': return !has || v !== r.values[0];
    case 'in': return has && r.values.includes(v as string);
    case 'notin': return !has || !r.values.includes(v as string);
    case 'gt': return has && /^-?\d+$/.test(v as string) && Number(v) > Number(r.values[0]);
    case 'lt': return has && /^-?\d+$/.test(v as string) && Number(v) < Number(r.values[0]);
  }
}

const OPERATORS: Record<string, Requirement['op']> = {
  '=': '=', '==': '=', '!=': '!=', in: 'in', notin: 'notin', exists: 'exists', '!': '!', gt: 'gt', lt: 'lt',
};

/** A job constraint (`{Key, Operator, Values}`) as a requirement, or what is wrong with it. */
export function constraintRequirement(c: Constraint, at: string): Requirement | string {
  const op = OPERATORS[c.Operator];
  if (!op) return `${at}: unknown operator "${c.Operator}"; use one of ${Object.keys(OPERATORS).join(', ')}`;
  if (typeof c.Key !== 'string' || !KEY.test(c.Key)) return `${at}: "${String(c.Key)}" is not a valid label key`;
  const values = [...(c.Values ?? [])];
  if ((op === '=' || op === '!=' || op === 'gt' || op === 'lt') && values.length !== 1) return `${at}: operator "${c.Operator}" needs exactly one value`;
  if ((op === 'in' || op === 'notin') && values.length === 0) return `${at}: operator "${c.Operator}" needs at least one value`;
  return { key: c.Key, op, values };
}

export function describeRequirement(r: Requirement): string {
  switch (r.op) {
    case 'exists': return r.key;
    case '!': return `!${r.key}`;
    case 'in': case 'notin': return `${r.key} ${r.op} (${r.values.join(',')})`;
    case 'gt': return `${r.key}>${r.values[0]}`;
    case 'lt': return `${r.key}<${r.values[0]}`;
    default: return `${r.key}${r.op}${r.values[0]}`;
  }
}
