import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';
import { TASK_STATES } from '../../client/contract.js';
import { nameOf, oneLine } from '../../cli/town-view.js';

export default class TaskList extends BaseCommand<typeof TaskList> {
  static override summary = 'List tasks, by state and agent';
  static override aliases = ['town:task:list'];
  static override examples = ['<%= config.bin %> task list', '<%= config.bin %> task list --state running', '<%= config.bin %> task list --agent worker1 --json'];
  static override flags = {
    state: Flags.string({ description: 'only tasks in this state', options: [...TASK_STATES] }),
    agent: Flags.string({ description: 'only tasks of this agent (name or id)' }),
  };

  async run(): Promise<void> {
    const client = await this.client();
    const tasks = await client.tasks({ state: this.flags.state, agent: this.flags.agent });
    const agents = this.flags.json || tasks.length === 0 ? [] : (await client.townStatus()).agents;
    this.output(tasks, () => (tasks.length === 0
      ? 'No tasks match.'
      : table(['TASK ID', 'STATE', 'AGENT', 'UPDATED', 'DESCRIPTION'], tasks.map((t) => [t.id, t.state, nameOf(agents, t.assigned_to), t.updated_at, oneLine(t.description, 50)]))));
  }
}
