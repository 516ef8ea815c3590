/**
 * Reading and removing durable agents, once, for LocalClient, the Golem worker routes and
 * taho's oplog route. Invocation is not here: it goes through the agent manager, which also
 * decides where an agent runs.
 */
import type { Runtime } from '../runtime.js';
import { TahoError } from '../errors.js';
import type { AgentInfo } from '../agents/info.js';
import { DEFAULT_AGENT_PAGE, type AgentPage } from '../agents/listing.js';
import type { OplogEntry } from '../store/ports/agents.js';
import type { ComponentEntry } from '../components/registry.js';

export interface AgentsQuery {
  /** A component name or id; absent: every component. */
  readonly component?: string | undefined;
  /** The previous page's `next`. */
  readonly after?: number | undefined;
  /** Default 100. */
  readonly limit?: number | undefined;
}

/**
 * One page of agents of a component (id or name), or of every component, in creation order.
 * Read from the store's index: a list never activates or evicts an agent.
 */
export function listAgents(runtime: Runtime, q: AgentsQuery = {}): Promise<AgentPage> {
  const agents = runtime.agents();
  return agents.page({ componentId: q.component === undefined ? undefined : agents.component(q.component).id, after: q.after, limit: q.limit ?? DEFAULT_AGENT_PAGE });
}

export function describeAgent(runtime: Runtime, component: string, agent: string): Promise<AgentInfo> {
  return runtime.agents().info(runtime.component(component).id, agent);
}

/** Deletes an agent and its oplog; one that does not exist is TAHO_AGENT_NOT_FOUND. */
export async function deleteAgent(runtime: Runtime, component: string, agent: string): Promise<void> {
  const entry = runtime.component(component);
  if (!(await runtime.agents().delete(entry.id, agent))) throw agentNotFound(entry, agent);
}

/** The oplog as taho records it (each call with what the host answered). */
export async function agentOplog(runtime: Runtime, component: string, agent: string): Promise<OplogEntry[]> {
  const entry = runtime.component(component);
  const agents = runtime.agents();
  if (!(await agents.exists(entry.id, agent))) throw agentNotFound(entry, agent);
  return agents.oplog(entry.id, agent);
}

export function cancelInvocation(runtime: Runtime, component: string, agent: string, key: string): { canceled: boolean } {
  return { canceled: runtime.agents().agent(runtime.component(component).id, agent).cancel(key) };
}

function agentNotFound(entry: ComponentEntry, agent: string): TahoError {
  return new TahoError('TAHO_AGENT_NOT_FOUND', `agent ${agent} of ${entry.domain}/${entry.service} not found`, {
    hint: 'An agent is created by its first invocation; `taho agents list` shows the existing ones.',
  });
}
