import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class TaskComplete extends BaseCommand<typeof TaskComplete> {
  static override summary = 'Mark a task completed by hand (it leaves the backlog or inbox it was in)';
  static override aliases = ['town:task:complete'];
  static override examples = ['<%= config.bin %> task complete 3f0c…-…', '<%= config.bin %> task complete 3f0c…-… --result "done by hand"'];
  static override args = { id: Args.string({ description: 'the task\'s id', required: true }) };
  static override flags = { result: Flags.string({ description: 'the result to record' }) };

  async run(): Promise<void> {
    const t = await (await this.client()).completeTask(this.args.id, this.flags.result);
    this.output(t, () => `task ${t.id}: ${t.state}`);
  }
}
