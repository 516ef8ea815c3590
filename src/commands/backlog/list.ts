import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';
import { oneLine } from '../../cli/town-view.js';

export default class BacklogList extends BaseCommand<typeof BacklogList> {
  static override summary = 'List the backlog: tasks no agent has yet';
  static override aliases = ['town:backlog:list'];
  static override examples = ['<%= config.bin %> backlog list', '<%= config.bin %> backlog list --json'];

  async run(): Promise<void> {
    const backlog = await (await this.client()).backlog();
    this.output(backlog, () => (backlog.length === 0
      ? 'The backlog is empty. `tt backlog add <task>` adds one.'
      : table(['TASK ID', 'TAGS', 'DESCRIPTION'], backlog.map((b) => [b.task_id, b.tags.join(',') || '-', oneLine(b.description, 72)]))));
  }
}
