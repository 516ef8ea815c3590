import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { table } from '../cli/output.js';
import type { Client, TownAgentStatus, TownStatus, TownTask } from '../client/contract.js';
import { SUPERVISOR_ID, TASK_STATES } from '../client/contract.js';

/** The first block of a UUID: enough to tell agents and tasks apart on screen. */
export function shortId(id: string | null | undefined): string {
  return id === null || id === undefined ? '-' : id.slice(0, 8);
}

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
  const headers = ['NAME', 'STATE', 'CLI', 'ROUNDS', 'TASKS', 'INBOX', ...(options.urgent ? ['URGENT'] : []), 'ID'];
  return table(headers, agents.map((a) => [
    a.name, a.state, a.cli, String(a.rounds_completed), String(a.tasks_completed), String(a.inbox_len),
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

export interface StatusView extends TownStatus {
  readonly tasks?: readonly TownTask[];
}

/** What `tt status` shows; the data comes from `statusView`. */
export function renderStatus(view: StatusView): string {
  const lines = [`town:   ${view.name}`, `agents: ${view.agent_count}`];
  const working = view.agents.filter((a) => a.state === 'Working').length;
  const queued = view.agents.reduce((n, a) => n + a.inbox_len, 0);
  if (view.agent_count > 0) lines.push(`        ${working} working, ${queued} message(s) waiting in inboxes`);
  lines.push('');
  lines.push(view.agents.length === 0 ? 'No agents yet. `tt spawn <name>` starts one.' : agentTable(view.agents, { urgent: true }));
  if (view.tasks !== undefined) {
    lines.push('', 'Tasks', tasksByState(view.tasks, view.agents));
  }
  return lines.join('\n');
}

/** The town's status, with every task when asked. */
export async function statusView(client: Client, withTasks: boolean): Promise<StatusView> {
  const [status, tasks] = await Promise.all([client.townStatus(), withTasks ? client.tasks() : Promise.resolve(undefined)]);
  return tasks === undefined ? status : { ...status, tasks };
}

/** In-process (no server) nothing runs rounds: work only waits. Said on stderr so --json stays clean. */
export function queuedNote(client: Client, where: string): string | undefined {
  if (!client.inProcess) return undefined;
  return `note: no taho server is running for this data directory, so nothing runs it now; it waits in ${where} until \`taho serve\` runs (rounds only run in a server).`;
}

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show the town: its agents with their inbox depth, and optionally its tasks';
  static override aliases = ['town:status'];
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --tasks', '<%= config.bin %> status --json'];
  static override flags = {
    tasks: Flags.boolean({ description: 'also list the tasks, by state', default: false }),
  };

  async run(): Promise<void> {
    const view = await statusView(this.client(), this.flags.tasks);
    this.output(view, () => renderStatus(view));
  }
}
