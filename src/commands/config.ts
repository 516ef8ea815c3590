import { BaseCommand } from '../cli/base-command.js';
import { table } from '../cli/output.js';

export default class Config extends BaseCommand<typeof Config> {
  static override summary = 'Print the merged configuration with the source of each value';
  static override description = 'Sources, lowest first: default < file (config.toml or --config) < env (TAHO__SECTION__KEY) < flag.\n'
    + 'With a server running, prints the values it runs with and where the file differs from them (`taho reload` applies live keys; others need a restart).';
  static override examples = ['<%= config.bin %> config', 'TAHO__HTTP__PORT=9000 <%= config.bin %> config --json'];

  async run(): Promise<void> {
    const view = await (await this.client()).config();
    this.output(view, () => {
      const rows = view.entries.map((e) => [e.key, JSON.stringify(e.value), e.origin && e.source !== 'file' ? `${e.source} (${e.origin})` : e.source]);
      const server = view.differences !== undefined;
      const lines = [
        `config file: ${view.file ?? 'none (defaults)'}`,
        ...(server ? ['values the running server uses:'] : []),
        '', table(['KEY', 'VALUE', 'SOURCE'], rows),
      ];
      if (view.file_error !== undefined) lines.push('', `the file as it is now would be refused (the server keeps the values above): ${view.file_error}`);
      const diffs = view.differences ?? [];
      if (diffs.length > 0) {
        lines.push('', 'the file differs from what the server runs:', '', table(['KEY', 'RUNNING', 'FILE', 'APPLY WITH'],
          diffs.map((d) => [d.key, JSON.stringify(d.running), JSON.stringify(d.file), d.live ? 'taho reload' : 'restart'])));
      } else if (server && view.file_error === undefined) {
        lines.push('', 'the server runs with what the file says.');
      }
      return lines.join('\n');
    });
  }
}
