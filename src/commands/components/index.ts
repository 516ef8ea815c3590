import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';

export default class Components extends BaseCommand<typeof Components> {
  static override summary = 'List the components in the repositories: ids, versions, sizes';
  static override examples = ['<%= config.bin %> components', '<%= config.bin %> components --json'];

  async run(): Promise<void> {
    const components = await (await this.client()).components();
    this.output(components, () =>
      table(['NAME', 'ID', 'VERSION', 'SIZE', 'PATH'], components.map((c) => [c.name, c.id, c.version.slice(0, 12), formatSize(c.size), c.path])));
  }
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
