import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { parseAgentTarget } from '../../cli/agent-target.js';

export default class AgentsGet extends BaseCommand<typeof AgentsGet> {
  static override summary = 'Show a durable agent: status, pending invocations, oplog size';
  static override examples = ['<%= config.bin %> agents get example/counter/c1'];
  static override args = { agent: Args.string({ description: 'the agent, as <component>/<agent>', required: true }) };

  async run(): Promise<void> {
    const { component, agent } = parseAgentTarget(this.args.agent);
    const a = await (await this.client()).agent(component, agent);
    this.output(a, () => [
      `agent:     ${a.component}/${a.agent}`, `component: ${a.componentId}`, `status:    ${a.status}`,
      `pending:   ${a.pending}`, `oplog:     ${a.oplogSize} entries`, `created:   ${a.createdAt}`,
    ].join('\n'));
  }
}
