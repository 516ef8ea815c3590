import { BaseCommand } from '../cli/base-command.js';

export default class Recover extends BaseCommand<typeof Recover> {
  static override summary = 'Mark working agents whose round\'s process is gone (Error) or whose heartbeat is stale (Stopped)';
  static override description = 'Their tasks then wait for `tt reclaim`.';
  static override aliases = ['town:recover'];
  static override examples = ['<%= config.bin %> recover'];

  async run(): Promise<void> {
    const r = await (await this.client()).recover();
    this.output(r, () => (r.recovered === 0
      ? `checked ${r.checked} agent(s); none needed recovering`
      : `checked ${r.checked} agent(s); recovered ${r.recovered}: ${r.agents.join(', ')}\nTheir tasks wait for \`tt reclaim --to <agent>\` or \`tt reclaim --to-backlog\`.`));
  }
}
