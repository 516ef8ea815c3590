import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { parseAgentTarget } from '../../cli/agent-target.js';

export default class AgentsCancel extends BaseCommand<typeof AgentsCancel> {
  static override summary = 'Cancel a queued invocation (by its idempotency key) that has not started';
  static override examples = ['<%= config.bin %> agents cancel example/counter/c1 order-42 --url http://127.0.0.1:9481'];
  static override args = {
    agent: Args.string({ description: 'the agent, as <component>/<agent>', required: true }),
    key: Args.string({ description: 'the invocation\'s idempotency key', required: true }),
  };

  async run(): Promise<void> {
    const { component, agent } = parseAgentTarget(this.args.agent);
    const r = await (await this.client()).cancelInvocation(component, agent, this.args.key);
    this.output(r, () => (r.canceled ? `canceled ${this.args.key}` : `${this.args.key} was not waiting (it ran, is running, or is unknown)`));
  }
}
