import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import type { TownTask } from '../../client/contract.js';

/** A task as a person reads it; the agent by name when known. */
export function renderTask(t: TownTask, agentName?: string): string {
  const agent = t.assigned_to === null ? '-' : agentName === undefined ? t.assigned_to : `${agentName} (${t.assigned_to})`;
  const lines = [
    `task:        ${t.id}`,
    `state:       ${t.state}`,
    `agent:       ${agent}`,
    `description: ${t.description}`,
    ...(t.tags.length > 0 ? [`tags:        ${t.tags.join(', ')}`] : []),
    `created:     ${t.created_at}`,
    ...(t.started_at === null ? [] : [`started:     ${t.started_at}`]),
    ...(t.completed_at === null ? [] : [`finished:    ${t.completed_at}`]),
  ];
  if (t.result !== null && t.result !== '') lines.push(`${t.state === 'failed' ? 'error' : 'result'}:`, ...t.result.split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}

export default class TaskShow extends BaseCommand<typeof TaskShow> {
  static override summary = 'Show a task: state, agent, times and result';
  static override description = '`tt explain <id>` says where it is and what it waits for.';
  static override aliases = ['town:task:show'];
  static override examples = ['<%= config.bin %> task show 3f0c…-…', '<%= config.bin %> task show 3f0c…-… --json'];
  static override args = { id: Args.string({ description: 'the task\'s id', required: true }) };

  async run(): Promise<void> {
    const client = await this.client();
    const task = await client.task(this.args.id);
    const name = this.flags.json || task.assigned_to === null ? undefined : (await client.townStatus()).agents.find((a) => a.id === task.assigned_to)?.name;
    this.output(task, () => renderTask(task, name));
  }
}
