import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { parseAgentTarget } from '../../cli/agent-target.js';

export default class AgentsDelete extends BaseCommand<typeof AgentsDelete> {
  static override summary = 'Delete a durable agent and its oplog (its state is gone for good)';
  static override examples = ['<%= config.bin %> agents delete example/counter/c1'];
  static override args = { agent: Args.string({ description: 'the agent, as <component>/<agent>', required: true }) };

  async run(): Promise<void> {
    const { component, agent } = parseAgentTarget(this.args.agent);
    await (await this.client()).deleteAgent(component, agent);
    this.output({ deleted: `${component}/${agent}` }, () => `deleted ${component}/${agent}`);
  }
}
