import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class BacklogAdd extends BaseCommand<typeof BacklogAdd> {
  static override summary = 'Add a task to the backlog, for any agent to claim';
  static override aliases = ['town:backlog:add'];
  static override strict = false;
  static override examples = [
    '<%= config.bin %> backlog add write the release notes',
    '<%= config.bin %> backlog add "review PR 42" --tag review',
  ];
  static override args = { description: Args.string({ description: 'the task (every word)', required: true }) };
  static override flags = {
    tag: Flags.string({ description: 'a tag (a role id: agents with that role are preferred); repeatable', multiple: true }),
  };

  async run(): Promise<void> {
    const r = await (await this.client()).backlogAdd(this.positional.join(' '), this.flags.tag ?? []);
    this.output(r, () => `task ${r.task_id} added to the backlog`);
  }
}
