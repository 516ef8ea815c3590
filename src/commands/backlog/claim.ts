import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { queuedNote } from '../../cli/town-view.js';

export default class BacklogClaim extends BaseCommand<typeof BacklogClaim> {
  static override summary = 'Give one backlog task to an agent';
  static override aliases = ['town:backlog:claim'];
  static override examples = ['<%= config.bin %> backlog claim 3f0c…-… worker1'];
  static override args = {
    'task-id': Args.string({ description: 'the task\'s id (from `tt backlog list`)', required: true }),
    agent: Args.string({ description: 'the agent, by name or id', required: true }),
  };

  async run(): Promise<void> {
    const client = await this.client();
    const r = await client.backlogClaim(this.args['task-id'], this.args.agent);
    this.output(r, () => `task ${r.task_id} claimed by ${r.agent_name}`);
    const note = queuedNote(client, `${r.agent_name}'s inbox`);
    if (note !== undefined) this.logToStderr(note);
  }
}
