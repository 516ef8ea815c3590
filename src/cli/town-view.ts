/** How the town shows in plain text: tables and notes the tt commands share. */
import { table } from './output.js';
import type { Client, TownAgentStatus, TownTask } from '../client/contract.js';
import { SUPERVISOR_ID, TASK_STATES } from '../client/contract.js';
import { shortId } from '../shared/ids.js';

export { shortId };

/** One line of free text for a table cell. */
export function oneLine(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** An agent's name by id, for messages and tasks that carry ids. */
export function nameOf(agents: readonly Pick<TownAgentStatus, 'id' | 'name'>[], id: string | null): string {
  if (id === null) return '-';
  if (id === SUPERVISOR_ID) return 'supervisor';
  return agents.find((a) => a.id === id)?.name ?? shortId(id);
}

/** NAME, STATE, CLI, ROUNDS, TASKS, INBOX, ID: the table of `tt list` and `tt status`. */
export function agentTable(agents: readonly TownAgentStatus[], options: { urgent?: boolean } = {}): string {
  // In a cluster, where each agent runs.
  const nodes = agents.some((a) => a.node !== undefined);
  const headers = ['NAME', 'STATE', 'CLI', ...(nodes ? ['NODE'] : []), 'ROUNDS', 'TASKS', 'INBOX', ...(options.urgent ? ['URGENT'] : []), 'ID'];
  return table(headers, agents.map((a) => [
    a.name, a.state, a.cli, ...(nodes ? [a.node ?? '-'] : []), String(a.rounds_completed), String(a.tasks_completed), String(a.inbox_len),
    ...(options.urgent ? [String(a.urgent_len)] : []), shortId(a.id),
  ]));
}

/** Tasks grouped by state, in lifecycle order; empty states are left out. */
export function tasksByState(tasks: readonly TownTask[], agents: readonly Pick<TownAgentStatus, 'id' | 'name'>[]): string {
  const blocks: string[] = [];
  for (const state of TASK_STATES) {
    const of = tasks.filter((t) => t.state === state);
    if (of.length === 0) continue;
    blocks.push(`${state} (${of.length})`);
    blocks.push(table(['  ID', 'AGENT', 'DESCRIPTION'], of.map((t) => [`  ${shortId(t.id)}`, nameOf(agents, t.assigned_to), oneLine(t.description)])));
  }
  return blocks.length === 0 ? 'No tasks.' : blocks.join('\n');
}

/** In-process (no server) nothing runs rounds: work only waits. Said on stderr so --json stays clean. */
export function queuedNote(client: Client, where: string): string | undefined {
  if (!client.inProcess) return undefined;
  return `note: no taho server is running for this data directory, so nothing runs it now; it waits in ${where} until \`taho serve\` runs (rounds only run in a server).`;
}

