import type { DurableAgent } from './agent.js';

/** A durable agent as the CLI shows it, the same in-process and over HTTP. */
export interface AgentInfo {
  readonly component: string;
  readonly componentId: string;
  readonly agent: string;
  readonly status: string;
  readonly pending: number;
  readonly oplogSize: number;
  readonly createdAt: string;
}

export function agentInfo(agent: DurableAgent, oplogSize: number, createdAt: number): AgentInfo {
  return {
    component: `${agent.entry.domain}/${agent.entry.service}`,
    componentId: agent.entry.id,
    agent: agent.name,
    status: agent.status,
    pending: agent.pending,
    oplogSize,
    createdAt: new Date(createdAt).toISOString(),
  };
}

const COMPARATORS: Record<string, 'eq' | 'ne' | 'like' | 'notlike' | 'ge' | 'gt' | 'le' | 'lt'> = {
  eq: 'eq', equal: 'eq', '=': 'eq', '==': 'eq', ne: 'ne', notequal: 'ne', '!=': 'ne', like: 'like', notlike: 'notlike',
  ge: 'ge', '>=': 'ge', gt: 'gt', '>': 'gt', le: 'le', '<=': 'le', lt: 'lt', '<': 'lt',
};

/**
 * Golem's string filters (`name = x`, `status = Running`, `createdAt > 2024-04-01T12:10:00Z`):
 * a predicate over AgentInfo, or an error naming what is wrong.
 */
export function parseAgentFilter(filter: string): ((a: AgentInfo) => boolean) | string {
  const m = /^\s*(name|status|createdAt|version)\s+(\S+)\s+(.+?)\s*$/i.exec(filter);
  if (!m) return `invalid filter "${filter}": expected "<name|status|createdAt|version> <comparator> <value>"`;
  const field = (m[1] ?? '').toLowerCase();
  const op = COMPARATORS[(m[2] ?? '').toLowerCase()];
  const value = m[3] ?? '';
  if (!op) return `invalid comparator "${m[2]}" in "${filter}"; use one of ${Object.keys(COMPARATORS).join(', ')}`;
  const get = (a: AgentInfo): string | number => (field === 'name' ? a.agent : field === 'status' ? a.status : field === 'version' ? 0 : a.createdAt);
  const want: string | number = field === 'version' ? Number(value) : field === 'createdat' ? new Date(value).toISOString() : value;
  if (field === 'createdat' && Number.isNaN(new Date(value).getTime())) return `invalid date "${value}" in "${filter}"`;
  return (a) => {
    const v = get(a);
    switch (op) {
      case 'eq': return v === want;
      case 'ne': return v !== want;
      case 'like': return String(v).includes(String(want));
      case 'notlike': return !String(v).includes(String(want));
      case 'ge': return v >= want;
      case 'gt': return v > want;
      case 'le': return v <= want;
      case 'lt': return v < want;
    }
  };
}
