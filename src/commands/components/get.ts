import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class ComponentsGet extends BaseCommand<typeof ComponentsGet> {
  static override summary = 'Show a component: its exported functions as WIT signatures (--json: Golem metadata too)';
  static override examples = ['<%= config.bin %> components get example/calculator', '<%= config.bin %> components get 1b9d… --json'];
  static override args = { component: Args.string({ description: 'an id, <domain>/<service> or <domain>.<service>', required: true }) };

  async run(): Promise<void> {
    const c = await (await this.client()).component(this.args.component);
    this.output(c, () => [
      `${c.name}  ${c.id}`, `version ${c.version.slice(0, 12)}, ${c.size} bytes${c.imports.length > 0 ? `, imports ${c.imports.join(', ')}` : ''}`,
      '', ...c.signatures.map((s) => `  ${s}`),
    ].join('\n'));
  }
}
