import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';

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
  static override description = 'Durable agents (invoked with `taho agents invoke`) and town agents (spawned with `tt spawn`) side by side, with a KIND column. Name a component to see only its durable agents.';
  static override examples = ['<%= config.bin %> agents list', '<%= config.bin %> agents list example/counter --json', '<%= config.bin %> agents list --kind town'];
  static override args = { component: Args.string({ description: 'a component name or id (durable agents of that component only)' }) };
  static override flags = {
    kind: Flags.string({ description: 'only agents of this kind', options: ['durable', 'town'] }),
  };

  async run(): Promise<void> {
    const client = await this.client();
    const rows: AgentRow[] = [];
    if (this.flags.kind !== 'town') {
      for (const a of await client.agents(this.args.component)) {
        rows.push({ kind: 'durable', name: a.agent, component: a.component, status: a.status, pending: a.pending, detail: `oplog ${a.oplogSize}` });
      }
    }
    if (this.flags.kind !== 'durable' && this.args.component === undefined) {
      for (const a of (await client.townStatus()).agents) {
        rows.push({ kind: 'town', name: a.name, component: a.cli, status: a.state, pending: a.inbox_len, detail: `rounds ${a.rounds_completed}` });
      }
    }
    this.output(rows, () => (rows.length === 0
      ? 'No agents yet. `taho agents invoke <component>/<agent> <function>` creates a durable one; `tt spawn <name>` a town one.'
      : table(['KIND', 'AGENT', 'COMPONENT/CLI', 'STATUS', 'PENDING', 'DETAIL'], rows.map((r) => [r.kind, r.name, r.component, r.status, String(r.pending), r.detail]))));
  }
}
