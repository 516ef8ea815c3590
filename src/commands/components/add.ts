import { Args, Flags } from '@oclif/core';
import { basename } from 'node:path';
import { BaseCommand } from '../../cli/base-command.js';
import { readBytes } from '../../cli/parse-input.js';

export default class ComponentsAdd extends BaseCommand<typeof ComponentsAdd> {
  static override summary = 'Add a component: it is checked, stored in the data directory and loaded';
  static override examples = [
    '<%= config.bin %> components add ./cart.wasm --name shop/cart',
    '<%= config.bin %> components add ./cart.wasm --url http://127.0.0.1:9481',
  ];
  static override args = { file: Args.string({ description: 'the component (.wasm)', required: true }) };
  static override flags = {
    name: Flags.string({ description: '<service> or <domain>/<service> (default: the file name)' }),
  };

  async run(): Promise<void> {
    const bytes = readBytes(this.args.file);
    const name = this.flags.name ?? basename(this.args.file, '.wasm');
    const c = await this.progress(`adding ${name}`, (await this.client()).addComponent(name, bytes));
    this.output(c, () => `added ${c.name} (${c.id})\n${c.signatures.map((s) => `  ${s}`).join('\n')}`);
  }
}
