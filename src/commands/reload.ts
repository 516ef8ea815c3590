import { BaseCommand } from '../cli/base-command.js';

export default class Reload extends BaseCommand<typeof Reload> {
  static override summary = 'Rescan the repositories and report what was added, updated and removed';
  static override examples = ['<%= config.bin %> reload', '<%= config.bin %> reload --json'];

  async run(): Promise<void> {
    const r = await (await this.client()).reload();
    this.output(r, () => {
      const lines = [`${r.status}: ${r.components_loaded} component${r.components_loaded === 1 ? '' : 's'} loaded`];
      for (const [label, list] of [['added', r.added], ['updated', r.updated], ['removed', r.removed]] as const) {
        if (list.length > 0) lines.push(`${label}: ${list.join(', ')}`);
      }
      for (const e of r.errors) lines.push(`error: ${e.component}: ${e.error}`);
      return lines.join('\n');
    });
  }
}
