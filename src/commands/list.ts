import { BaseCommand } from '../cli/base-command.js';
import { agentTable } from '../cli/town-view.js';

export default class List extends BaseCommand<typeof List> {
  static override summary = 'List the town\'s agents with their state, counters and inbox depth';
  static override aliases = ['town:list'];
  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --json'];

  async run(): Promise<void> {
    const { agents } = await (await this.client()).townStatus();
    this.output(agents, () => (agents.length === 0 ? 'No agents yet. `tt spawn <name>` starts one.' : agentTable(agents)));
  }
}
