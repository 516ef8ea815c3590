import { ambiguousId, TahoError } from '../errors.js';
import { isUuid, looksLikeIdPrefix, matchIdPrefix } from '../../shared/ids.js';
import type { Agent, Task } from './model.js';
import { SUPERVISOR_ID } from './model.js';

/** What resolving a reference reads: the store, or a draft (whose reads become guards). */
export interface TownReader {
  agent(id: string): Promise<Agent | undefined>;
  agentByName(name: string): Promise<Agent | undefined>;
  agents(): Promise<Agent[]>;
  task(id: string): Promise<Task | undefined>;
  tasks(): Promise<Task[]>;
  backlog(): Promise<string[]>;
}

export { isUuid } from '../../shared/ids.js';

/** Agent names become log directory names, so they are kept to safe path characters. */
export function checkAgentName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new TahoError('TAHO_BAD_ARGUMENTS', `invalid agent name '${name}'`, {
      hint: 'Use 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
    });
  }
}

/**
 * An agent by id, name, or short id (the 8 characters views print), as every Tinytown route
 * accepts either. A name wins over an id prefix that happens to spell it.
 */
export async function findAgent(store: TownReader, ref: string): Promise<Agent | undefined> {
  const exact = (isUuid(ref) ? await store.agent(ref.toLowerCase()) : undefined) ?? await store.agentByName(ref);
  if (exact !== undefined || isUuid(ref) || !looksLikeIdPrefix(ref)) return exact;
  return only('agent', ref, await agentsByPrefix(store, ref));
}

export async function agentsByPrefix(store: TownReader, ref: string): Promise<readonly Agent[]> {
  return matchIdPrefix(ref, await store.agents(), (a) => a.id).found;
}

export async function tasksByPrefix(store: TownReader, ref: string): Promise<readonly Task[]> {
  if (isUuid(ref)) {
    const task = await store.task(ref.toLowerCase());
    return task === undefined ? [] : [task];
  }
  return looksLikeIdPrefix(ref) ? matchIdPrefix(ref, await store.tasks(), (t) => t.id).found : [];
}

function only<T extends { id: string }>(kind: string, ref: string, found: readonly T[]): T | undefined {
  if (found.length > 1) throw ambiguousId(kind, ref, found.map((x) => x.id));
  return found[0];
}

export async function agentRef(store: TownReader, ref: string): Promise<Agent> {
  const agent = await findAgent(store, ref);
  if (agent === undefined) {
    throw new TahoError('TAHO_AGENT_NOT_FOUND', `Agent not found: ${ref}`, {
      hint: 'List the agents to see their names and ids, or spawn one with this name.',
      details: { agent: ref },
    });
  }
  return agent;
}

export function checkTaskId(id: string): void {
  if (!isUuid(id) && !looksLikeIdPrefix(id)) {
    throw new TahoError('TAHO_BAD_REQUEST', `Invalid task ID: ${id}`, { hint: 'A task id is a UUID, as returned when the task was created, or its first characters (the 8 that lists print).' });
  }
}

/** A missing task, in the same words everywhere. */
export function taskNotFound(id: string, where = ''): TahoError {
  return new TahoError('TAHO_TASK_NOT_FOUND', `Task ${id} not found${where === '' ? '' : ` in ${where}`}`, {
    hint: where === 'backlog' ? 'List the backlog to see which tasks are waiting there.' : 'List the tasks to see their ids.',
    details: { task_id: id },
  });
}

/** A task by id or short id. */
export async function taskRef(store: TownReader, id: string): Promise<Task> {
  checkTaskId(id);
  const task = only('task', id, await tasksByPrefix(store, id));
  if (task === undefined) throw taskNotFound(id);
  return task;
}

/** `from` of a message: an agent (id or name), or the supervisor by any of its names. */
export async function senderId(store: TownReader, from: string | undefined): Promise<string> {
  if (from === undefined || from === '' || from === 'supervisor' || from === 'conductor' || from === SUPERVISOR_ID) return SUPERVISOR_ID;
  return (await agentRef(store, from)).id;
}

/** A backlog task's full id from its id or short id (the backlog, not every task, is searched). */
export async function backlogTaskId(store: TownReader, ref: string): Promise<string> {
  checkTaskId(ref);
  if (isUuid(ref)) return ref.toLowerCase();
  const found = matchIdPrefix(ref, await store.backlog(), (id) => id).found;
  if (found.length > 1) throw ambiguousId('task', ref, found);
  return found[0] ?? ref.toLowerCase();
}

/**
 * What `tt explain <ref>` names: an agent (name, id, short id) or a task (id, short id). A short
 * id that starts both an agent's and a task's id is ambiguous like any other.
 */
export async function agentOrTask(store: TownReader, ref: string): Promise<{ agent: Agent } | { task: Task }> {
  const exact = (isUuid(ref) ? await store.agent(ref.toLowerCase()) : undefined) ?? await store.agentByName(ref);
  if (exact !== undefined) return { agent: exact };
  if (!isUuid(ref) && !looksLikeIdPrefix(ref)) return { agent: await agentRef(store, ref) }; // throws: not found
  const agents = isUuid(ref) ? [] : await agentsByPrefix(store, ref);
  const tasks = await tasksByPrefix(store, ref);
  if (agents.length + tasks.length > 1) throw ambiguousId('agent or task', ref, [...agents, ...tasks].map((x) => x.id));
  if (agents[0] !== undefined) return { agent: agents[0] };
  if (tasks[0] !== undefined) return { task: tasks[0] };
  if (isUuid(ref)) throw taskNotFound(ref);
  throw new TahoError('TAHO_AGENT_NOT_FOUND', `No agent or task ${ref}`, {
    hint: 'Give an agent\'s name or id, or a task id (the first 8 characters are enough); `tt status --tasks` lists both.',
    details: { ref },
  });
}
