import { Args } from '@oclif/core';
import { stringify } from 'yaml';
import { BaseCommand } from '../../cli/base-command.js';

export default class NodesDescribe extends BaseCommand<typeof NodesDescribe> {
  static override summary = 'Show a compute node (Bacalhau\'s NodeState, as YAML)';
  static override examples = ['<%= config.bin %> nodes describe n-1a2b', '<%= config.bin %> nodes describe n-1a2b --json'];
  static override args = { id: Args.string({ description: 'the node: its id or a unique prefix', required: true }) };

  async run(): Promise<void> {
    const node = await (await this.client()).node(this.args.id);
    this.output(node, () => stringify(node).trimEnd());
  }
}
