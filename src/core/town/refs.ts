import { TahoError } from '../errors.js';
import type { Agent, Task } from './model.js';
import { SUPERVISOR_ID } from './model.js';
import type { TownStore } from './store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Agent names become log directory names, so they are kept to safe path characters. */
export function checkAgentName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new TahoError('TAHO_BAD_ARGUMENTS', `invalid agent name '${name}'`, {
      hint: 'Use 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
    });
  }
}

/** An agent by id or by name, as every Tinytown route accepts either. */
export function findAgent(store: TownStore, ref: string): Agent | undefined {
  return (isUuid(ref) ? store.agent(ref.toLowerCase()) : undefined) ?? store.agentByName(ref);
}

export function agentRef(store: TownStore, ref: string): Agent {
  const agent = findAgent(store, ref);
  if (agent === undefined) {
    throw new TahoError('TAHO_AGENT_NOT_FOUND', `Agent not found: ${ref}`, {
      hint: 'List the agents to see their names and ids, or spawn one with this name.',
      details: { agent: ref },
    });
  }
  return agent;
}

export function checkTaskId(id: string): void {
  if (!isUuid(id)) throw new TahoError('TAHO_BAD_REQUEST', `Invalid task ID: ${id}`, { hint: 'A task id is a UUID, as returned when the task was created.' });
}

/** A missing task, in the same words everywhere. */
export function taskNotFound(id: string, where = ''): TahoError {
  return new TahoError('TAHO_TASK_NOT_FOUND', `Task ${id} not found${where === '' ? '' : ` in ${where}`}`, {
    hint: where === 'backlog' ? 'List the backlog to see which tasks are waiting there.' : 'List the tasks to see their ids.',
    details: { task_id: id },
  });
}

export function taskRef(store: TownStore, id: string): Task {
  checkTaskId(id);
  const task = store.task(id.toLowerCase());
  if (task === undefined) throw taskNotFound(id);
  return task;
}

/** `from` of a message: an agent (id or name), or the supervisor by any of its names. */
export function senderId(store: TownStore, from: string | undefined): string {
  if (from === undefined || from === '' || from === 'supervisor' || from === 'conductor' || from === SUPERVISOR_ID) return SUPERVISOR_ID;
  return agentRef(store, from).id;
}
