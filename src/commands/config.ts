import { BaseCommand } from '../cli/base-command.js';
import { table } from '../cli/output.js';

export default class Config extends BaseCommand<typeof Config> {
  static override summary = 'Print the merged configuration with the source of each value';
  static override description = 'Sources, lowest first: default < file (config.toml or --config) < env (TAHO__SECTION__KEY) < flag.';
  static override examples = ['<%= config.bin %> config', 'TAHO__HTTP__PORT=9000 <%= config.bin %> config --json'];

  async run(): Promise<void> {
    const view = await (await this.client()).config();
    this.output(view, () => {
      const rows = view.entries.map((e) => [e.key, JSON.stringify(e.value), e.origin && e.source !== 'file' ? `${e.source} (${e.origin})` : e.source]);
      return [`config file: ${view.file ?? 'none (defaults)'}`, '', table(['KEY', 'VALUE', 'SOURCE'], rows)].join('\n');
    });
  }
}
