import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { queuedNote } from '../../cli/town-view.js';

export default class BacklogAssignAll extends BaseCommand<typeof BacklogAssignAll> {
  static override summary = 'Give every backlog task to one agent';
  static override aliases = ['town:backlog:assign-all'];
  static override examples = ['<%= config.bin %> backlog assign-all worker1'];
  static override args = { agent: Args.string({ description: 'the agent, by name or id', required: true }) };

  async run(): Promise<void> {
    const client = await this.client();
    const r = await client.backlogAssignAll(this.args.agent);
    this.output(r, () => (r.assigned === 0 ? 'The backlog is empty; nothing assigned.' : [`${r.assigned} task(s) assigned to ${this.args.agent}:`, ...r.tasks.map((t) => `  ${t}`)].join('\n')));
    const note = r.assigned > 0 ? queuedNote(client, `${this.args.agent}'s inbox`) : undefined;
    if (note !== undefined) this.logToStderr(note);
  }
}
