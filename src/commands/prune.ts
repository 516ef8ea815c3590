import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';

export default class Prune extends BaseCommand<typeof Prune> {
  static override summary = 'Remove stopped and failed agents (--all: every agent)';
  static override description = 'Unfinished tasks of removed agents become orphans: `tt orphans` lists them and moves them.';
  static override aliases = ['town:prune'];
  static override examples = ['<%= config.bin %> prune', '<%= config.bin %> prune --all'];
  static override flags = { all: Flags.boolean({ description: 'remove every agent, killing running rounds first', default: false }) };

  async run(): Promise<void> {
    const r = await (await this.client()).pruneAgents(this.flags.all || undefined);
    this.output(r, () => (r.removed === 0 ? 'No agents removed.' : `removed ${r.removed} agent(s): ${r.agents.join(', ')}`));
  }
}
