import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';

export default class Recover extends BaseCommand<typeof Recover> {
  static override summary = 'Mark working agents whose round\'s process is gone (Error) or whose heartbeat is stale (Stopped)';
  static override description = 'Their tasks then wait for `tt reclaim`.';
  static override aliases = ['town:recover'];
  static override examples = ['<%= config.bin %> recover', '<%= config.bin %> recover --dry-run'];
  static override flags = {
    'dry-run': Flags.boolean({ description: 'only say which agents it would mark; change nothing' }),
  };

  async run(): Promise<void> {
    const r = await (await this.client()).recover({ dryRun: this.flags['dry-run'] });
    if (r.dry_run) {
      this.output(r, () => (r.recovered === 0
        ? `checked ${r.checked} agent(s); none would be recovered (dry run: nothing changed)`
        : `checked ${r.checked} agent(s); would recover ${r.recovered} (dry run: nothing changed):\n${r.details.map((a) => `  ${a.name}: ${a.from} → ${a.state} (${a.reason})`).join('\n')}`));
      return;
    }
    this.output(r, () => (r.recovered === 0
      ? `checked ${r.checked} agent(s); none needed recovering`
      : `checked ${r.checked} agent(s); recovered ${r.recovered}: ${r.agents.join(', ')}\nTheir tasks wait for \`tt reclaim --to <agent>\` or \`tt reclaim --to-backlog\`.`));
  }
}
