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
