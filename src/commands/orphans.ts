import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { table } from '../cli/output.js';
import { shortId } from '../cli/town-view.js';

const DONE: Record<string, string> = { to_backlog: 'moved to the backlog', cancel: 'cancelled', delete: 'deleted' };

export default class Orphans extends BaseCommand<typeof Orphans> {
  static override summary = 'Unfinished tasks whose agent was pruned or is dead: list, move to the backlog, cancel or delete them';
  static override aliases = ['town:orphans'];
  static override examples = ['<%= config.bin %> orphans', '<%= config.bin %> orphans --action to_backlog'];
  static override flags = {
    action: Flags.string({ description: 'what to do with them', options: ['list', 'to_backlog', 'cancel', 'delete'], default: 'list' }),
  };

  async run(): Promise<void> {
    const r = await (await this.client()).orphans(this.flags.action);
    this.output(r, () => {
      if (r.count === 0) return 'No orphan tasks.';
      const rows = table(['TASK ID', 'STATE', 'AGENT', 'REASON'], r.orphans.map((o) => [o.task_id, o.state, shortId(o.assigned_to), o.reason]));
      const head = r.action === 'list'
        ? `${r.count} orphan task(s); nothing changed. Use --action to_backlog, cancel or delete to act on them.`
        : `${r.count} orphan task(s) ${DONE[r.action] ?? r.action}`;
      return `${head}\n\n${rows}`;
    });
  }
}
