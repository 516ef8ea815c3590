import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';

export default class AgentsList extends BaseCommand<typeof AgentsList> {
  static override summary = 'List durable agents, of one component or all';
  static override examples = ['<%= config.bin %> agents list', '<%= config.bin %> agents list example/counter --json'];
  static override args = { component: Args.string({ description: 'a component name or id' }) };

  async run(): Promise<void> {
    const list = await this.client().agents(this.args.component);
    this.output(list, () => (list.length === 0
      ? 'No agents yet. `taho agents invoke <component>/<agent> <function>` creates one.'
      : table(['COMPONENT', 'AGENT', 'STATUS', 'PENDING', 'OPLOG', 'CREATED'], list.map((a) => [a.component, a.agent, a.status, String(a.pending), String(a.oplogSize), a.createdAt]))));
  }
}
