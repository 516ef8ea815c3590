import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class BacklogRemove extends BaseCommand<typeof BacklogRemove> {
  static override summary = 'Remove a task from the backlog (it is cancelled)';
  static override aliases = ['town:backlog:remove'];
  static override examples = ['<%= config.bin %> backlog remove 3f0c…-…'];
  static override args = { 'task-id': Args.string({ description: 'the task\'s id (from `tt backlog list`)', required: true }) };

  async run(): Promise<void> {
    const r = await (await this.client()).backlogRemove(this.args['task-id']);
    this.output(r, () => `task ${r.task_id} removed from the backlog (cancelled)`);
  }
}
