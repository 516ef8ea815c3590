import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';
import { TASK_STATES, type TasksQuery } from '../../client/contract.js';
import { nameOf, oneLine } from '../../cli/town-view.js';
import { allFlag, nextPageHint, readPages } from '../../cli/paging.js';

export default class TaskList extends BaseCommand<typeof TaskList> {
  static override summary = 'List tasks, by state and agent';
  static override aliases = ['town:task:list'];
  static override description = 'Tasks come a page at a time, oldest first; the line after the table says how to see the next page.';
  static override examples = ['<%= config.bin %> task list', '<%= config.bin %> task list --state running', '<%= config.bin %> task list --agent worker1 --json', '<%= config.bin %> task list --limit 20 --after 140', '<%= config.bin %> task list --all'];
  static override flags = {
    state: Flags.string({ description: 'only tasks in this state', options: [...TASK_STATES] }),
    agent: Flags.string({ description: 'only tasks of this agent (name or id)' }),
    limit: Flags.integer({ description: 'tasks per page', default: 100, min: 1, max: 1000 }),
    after: Flags.integer({ description: 'start after this cursor (the one the previous page printed)', min: 0 }),
    all: allFlag,
  };

  async run(): Promise<void> {
    const client = await this.client();
    const { agent, limit } = this.flags;
    // oclif checked it against TASK_STATES.
    const state = this.flags.state as TasksQuery['state'];
    const page = await readPages(this.flags.after, this.flags.all, async (after) => {
      const p = await client.tasks({ state, agent, after, limit });
      return { items: p.tasks, next: p.next };
    });
    const tasks = page.items;
    const agents = this.flags.json || tasks.length === 0 ? [] : (await client.townStatus()).agents;
    this.output(tasks, () => (tasks.length === 0
      ? 'No tasks match.'
      : table(['TASK ID', 'STATE', 'AGENT', 'UPDATED', 'DESCRIPTION'], tasks.map((t) => [t.id, t.state, nameOf(agents, t.assigned_to), t.updated_at, oneLine(t.description, 50)]))));
    const filters = `${state === undefined ? '' : ` --state ${state}`}${agent === undefined ? '' : ` --agent ${agent}`}${limit === 100 ? '' : ` --limit ${limit}`}`;
    const hint = nextPageHint('tasks', `${this.config.bin} task list${filters} --after`, page.next);
    if (hint) this.logToStderr(hint);
  }
}
