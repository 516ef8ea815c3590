import { BaseCommand } from '../cli/base-command.js';

export default class Reload extends BaseCommand<typeof Reload> {
  static override summary = 'Re-read the configuration, rescan the repositories and report what changed';
  static override description = 'Against a running server, the live keys of config.toml (repositories, examples, town presets, invoke and job timeouts) are applied; others are named "restart to apply". A bad file is refused with the same messages as at start, and the server keeps its configuration.';
  static override examples = ['<%= config.bin %> reload', '<%= config.bin %> reload --json'];

  async run(): Promise<void> {
    const r = await this.progress("reloading", (await this.client()).reload());
    this.output(r, () => {
      const lines = [`${r.status}: ${r.components_loaded} component${r.components_loaded === 1 ? '' : 's'} loaded`];
      for (const [label, list] of [['added', r.added], ['updated', r.updated], ['removed', r.removed]] as const) {
        if (list.length > 0) lines.push(`${label}: ${list.join(', ')}`);
      }
      for (const e of r.errors) lines.push(`error: ${e.component}: ${e.error}`);
      if (r.config && r.config.applied.length > 0) lines.push(`config applied: ${r.config.applied.join(', ')}`);
      if (r.config && r.config.restart.length > 0) lines.push(`restart to apply: ${r.config.restart.join(', ')} (the server keeps its values until it restarts)`);
      return lines.join('\n');
    });
  }
}
