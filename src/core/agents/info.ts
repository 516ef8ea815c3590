import type { ComponentEntry } from '../components/registry.js';
import type { AgentRecord } from '../store/ports/agents.js';
import type { DurableAgent } from './agent.js';

/** A durable agent as the CLI shows it, the same in-process and over HTTP. */
export interface AgentInfo {
  readonly component: string;
  readonly componentId: string;
  readonly agent: string;
  readonly status: string;
  readonly pending: number;
  /** Entries the oplog holds. */
  readonly oplogSize: number;
  readonly createdAt: string;
  /** The arguments the agent was created with. */
  readonly args: readonly string[];
  /** The environment the agent was created with (Golem's `env.k = v` filters read it). */
  readonly env: Readonly<Record<string, string>>;
  /** Linear memory its instance holds (0 when it is not in memory). */
  readonly memoryBytes: number;
}

/**
 * An agent from its stored record and, when it is in memory, its live self. Not being in memory
 * reads as Idle with nothing pending, which is what loading it would show: a view never loads one.
 */
export function agentInfo(entry: ComponentEntry, record: AgentRecord, live: DurableAgent | undefined, oplogSize: number): AgentInfo {
  return {
    component: `${entry.domain}/${entry.service}`,
    componentId: entry.id,
    agent: record.agent,
    status: live?.status ?? 'Idle',
    pending: live?.pending ?? 0,
    oplogSize,
    createdAt: new Date(record.createdAt).toISOString(),
    args: record.args,
    env: record.env,
    memoryBytes: live?.memoryBytes ?? 0,
  };
}

const COMPARATORS: Record<string, Op> = {
  eq: 'eq', equal: 'eq', '=': 'eq', '==': 'eq', ne: 'ne', notequal: 'ne', '!=': 'ne', like: 'like', notlike: 'notlike',
  ge: 'ge', '>=': 'ge', gt: 'gt', '>': 'gt', le: 'le', '<=': 'le', lt: 'lt', '<': 'lt',
};

/**
 * Golem's string filters (`name = x`, `status = Running`, `createdAt > 2024-04-01T12:10:00Z`):
 * a predicate over AgentInfo, or an error naming what is wrong.
 */
export function parseAgentFilter(filter: string): ((a: AgentInfo) => boolean) | string {
  const m = /^\s*(name|status|createdAt|version|env\.\S+)\s+(\S+)\s+(.+?)\s*$/i.exec(filter);
  if (!m) return `invalid filter "${filter}": expected "<name|status|createdAt|version|env.NAME> <comparator> <value>"`;
  const field = (m[1] ?? '').toLowerCase();
  const op = COMPARATORS[(m[2] ?? '').toLowerCase()];
  const value = m[3] ?? '';
  if (!op) return `invalid comparator "${m[2]}" in "${filter}"; use one of ${Object.keys(COMPARATORS).join(', ')}`;
  if (field.startsWith('env.')) {
    const name = (m[1] ?? '').slice(4);
    return (a) => a.env[name] !== undefined && compare(a.env[name] as string, op, value);
  }
  const get = (a: AgentInfo): string | number => (field === 'name' ? a.agent : field === 'status' ? a.status : field === 'version' ? 0 : a.createdAt);
  const want: string | number = field === 'version' ? Number(value) : field === 'createdat' ? new Date(value).toISOString() : value;
  if (field === 'createdat' && Number.isNaN(new Date(value).getTime())) return `invalid date "${value}" in "${filter}"`;
  return (a) => compare(get(a), op, want);
}

type Op = 'eq' | 'ne' | 'like' | 'notlike' | 'startswith' | 'ge' | 'gt' | 'le' | 'lt';

function compare(v: string | number, op: Op, want: string | number): boolean {
  switch (op) {
    case 'eq': return v === want;
    case 'ne': return v !== want;
    case 'like': return String(v).includes(String(want));
    case 'notlike': return !String(v).includes(String(want));
    case 'startswith': return String(v).startsWith(String(want));
    case 'ge': return v >= want;
    case 'gt': return v > want;
    case 'le': return v <= want;
    case 'lt': return v < want;
  }
}

const JSON_COMPARATORS: Record<string, Op> = {
  Equal: 'eq', NotEqual: 'ne', Like: 'like', NotLike: 'notlike', StartsWith: 'startswith',
  GreaterEqual: 'ge', Greater: 'gt', LessEqual: 'le', Less: 'lt',
};

/**
 * Golem's JSON filter tree (`POST …/workers/find`): `{type: Name|Status|Version|CreatedAt|Env|
 * WasiConfigVars|And|Or|Not, comparator, value}`; a predicate, or an error naming the bad node.
 */
export function parseAgentFilterJson(node: unknown, at = 'filter'): ((a: AgentInfo) => boolean) | string {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return `${at}: expected an object with a "type"`;
  const f = node as Record<string, unknown>;
  if (f.type === 'And' || f.type === 'Or') {
    if (!Array.isArray(f.filters)) return `${at}: ${f.type} needs "filters": [..]`;
    const parts = f.filters.map((x, i) => parseAgentFilterJson(x, `${at}.filters[${i}]`));
    const bad = parts.find((p): p is string => typeof p === 'string');
    if (bad) return bad;
    const preds = parts as ((a: AgentInfo) => boolean)[];
    return f.type === 'And' ? (a) => preds.every((p) => p(a)) : (a) => preds.some((p) => p(a));
  }
  if (f.type === 'Not') {
    const inner = parseAgentFilterJson(f.filter, `${at}.filter`);
    return typeof inner === 'string' ? inner : (a) => !inner(a);
  }
  const op = JSON_COMPARATORS[String(f.comparator)];
  if (!op) return `${at}: comparator must be one of ${Object.keys(JSON_COMPARATORS).join(', ')}, got ${JSON.stringify(f.comparator)}`;
  const value = f.value;
  switch (f.type) {
    case 'Name':
    case 'Status':
      if (typeof value !== 'string') return `${at}: ${f.type} needs a string "value"`;
      return (a) => compare(f.type === 'Name' ? a.agent : a.status, op, value);
    case 'Version':
      if (typeof value !== 'number') return `${at}: Version needs a number "value"`;
      return () => compare(0, op, value);
    case 'CreatedAt': {
      const t = typeof value === 'string' || typeof value === 'number' ? new Date(value) : new Date(NaN);
      if (Number.isNaN(t.getTime())) return `${at}: CreatedAt needs a date "value", got ${JSON.stringify(value)}`;
      return (a) => compare(a.createdAt, op, t.toISOString());
    }
    case 'Env':
    case 'WasiConfigVars':
      if (typeof f.name !== 'string' || typeof value !== 'string') return `${at}: ${f.type} needs string "name" and "value"`;
      // taho keeps no WASI config vars: such a filter matches what an empty map would.
      return (a) => {
        const have = f.type === 'Env' ? a.env[f.name as string] : undefined;
        return have !== undefined && compare(have, op, value);
      };
    default:
      return `${at}: unknown filter type ${JSON.stringify(f.type)}; use Name, Status, Version, CreatedAt, Env, WasiConfigVars, And, Or or Not`;
  }
}
