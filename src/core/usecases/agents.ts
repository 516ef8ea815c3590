/**
 * Reading and removing durable agents, once, for LocalClient, the Golem worker routes and
 * taho's oplog route. Invocation is not here: it goes through the agent manager, which also
 * decides where an agent runs.
 */
import type { Runtime } from '../runtime.js';
import { TahoError } from '../errors.js';
import type { AgentInfo } from '../agents/info.js';
import type { OplogEntry } from '../store/ports/agents.js';
import type { ComponentEntry } from '../components/registry.js';

/** Every agent of one component (by id), as the CLI and Golem's worker listings show them. */
export async function agentsOf(runtime: Runtime, componentId: string): Promise<AgentInfo[]> {
  const agents = runtime.agents();
  return Promise.all((await agents.names(componentId)).map((name) => agents.info(componentId, name)));
}

/** The agents of a component (id or name), or of every component. */
export async function listAgents(runtime: Runtime, component?: string): Promise<AgentInfo[]> {
  const ids = component === undefined ? runtime.registry.list().map((e) => e.id) : [runtime.component(component).id];
  return (await Promise.all(ids.map((id) => agentsOf(runtime, id)))).flat();
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
