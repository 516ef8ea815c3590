import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';
import { allFlag, nextPageHint, readPages } from '../../cli/paging.js';

/** One row per agent of either kind: durable (Golem model) or town (Tinytown model). */
interface AgentRow {
  readonly kind: 'durable' | 'town';
  readonly name: string;
  readonly component: string;
  readonly status: string;
  readonly pending: number;
  readonly detail: string;
}

export default class AgentsList extends BaseCommand<typeof AgentsList> {
  static override summary = 'List every agent on the server: durable agents and town agents';
  static override description = 'Durable agents (invoked with `taho agents invoke`) and town agents (spawned with `tt spawn`) side by side, with a KIND column. Name a component to see only its durable agents. Durable agents come a page at a time, oldest first; the line after the table says how to see the next page.';
  static override examples = ['<%= config.bin %> agents list', '<%= config.bin %> agents list example/counter --json', '<%= config.bin %> agents list --kind town', '<%= config.bin %> agents list --limit 20 --after 40', '<%= config.bin %> agents list --all'];
  static override args = { component: Args.string({ description: 'a component name or id (durable agents of that component only)' }) };
  static override flags = {
    kind: Flags.string({ description: 'only agents of this kind', options: ['durable', 'town'] }),
    limit: Flags.integer({ description: 'durable agents per page', default: 100, min: 1, max: 1000 }),
    after: Flags.integer({ description: 'start after this cursor (the one the previous page printed)', min: 0 }),
    all: allFlag,
  };

  async run(): Promise<void> {
    const client = await this.client();
    const rows: AgentRow[] = [];
    let next: number | undefined;
    if (this.flags.kind !== 'town') {
      const page = await readPages(this.flags.after, this.flags.all, async (after) => {
        const p = await client.agents({ component: this.args.component, after, limit: this.flags.limit });
        return { items: p.items, next: p.next };
      });
      next = page.next;
      for (const a of page.items) {
        rows.push({ kind: 'durable', name: a.agent, component: a.component, status: a.status, pending: a.pending, detail: `oplog ${a.oplogSize}` });
      }
    }
    // Town agents are few (processes this machine runs): they come whole, with the first page.
    if (this.flags.kind !== 'durable' && this.args.component === undefined && this.flags.after === undefined) {
      for (const a of (await client.townStatus()).agents) {
        rows.push({ kind: 'town', name: a.name, component: a.cli, status: a.state, pending: a.inbox_len, detail: `rounds ${a.rounds_completed}` });
      }
    }
    this.output(rows, () => (rows.length === 0
      ? (this.flags.after === undefined ? 'No agents yet. `taho agents invoke <component>/<agent> <function>` creates a durable one; `tt spawn <name>` a town one.' : 'No more agents.')
      : table(['KIND', 'AGENT', 'COMPONENT/CLI', 'STATUS', 'PENDING', 'DETAIL'], rows.map((r) => [r.kind, r.name, r.component, r.status, String(r.pending), r.detail]))));
    const base = `${this.config.bin} agents list${this.args.component === undefined ? '' : ` ${this.args.component}`}${this.flags.limit === 100 ? '' : ` --limit ${this.flags.limit}`} --after`;
    const hint = nextPageHint('agents', base, next);
    if (hint) this.logToStderr(hint);
  }
}
