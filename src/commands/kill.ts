import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';

export default class Kill extends BaseCommand<typeof Kill> {
  static override summary = 'Stop a town agent; its running round is killed (SIGTERM, then SIGKILL)';
  static override description = 'The agent becomes Stopped. The tasks it held stay with it until `tt reclaim` moves them; `tt restart <agent>` brings it back, `tt prune` removes it.';
  static override aliases = ['town:kill'];
  static override examples = ['<%= config.bin %> kill worker1'];
  static override args = { agent: Args.string({ description: 'the agent, by name or id', required: true }) };

  async run(): Promise<void> {
    await (await this.client()).killAgent(this.args.agent);
    this.output({ status: 'stopped', agent: this.args.agent }, () => `agent ${this.args.agent}: stopped`);
  }
}
