import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { renderStatus } from '../cli/status-view.js';
import { statusSnapshot } from '../client/status.js';

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show everything on the server: town agents (and tasks), durable agents, jobs and services';
  static override description = 'In a terminal this is a live full-screen dashboard, updated from the event stream (q quits). '
    + 'When stdout is not a terminal, or with --once, it prints one plain snapshot; with --json, the snapshot as JSON.';
  static override aliases = ['town:status'];
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --once --tasks', '<%= config.bin %> status --json', '<%= config.bin %> status --url http://127.0.0.1:8080'];
  static override flags = {
    tasks: Flags.boolean({ description: 'also list the tasks, by state (plain snapshot; the dashboard always shows them)', default: false }),
    once: Flags.boolean({ description: 'print one plain snapshot and exit, even in a terminal', default: false }),
    color: Flags.boolean({ description: 'colors in the dashboard (--no-color, or NO_COLOR set, turns them off)', default: true, allowNo: true }),
  };

  async run(): Promise<void> {
    const client = await this.client();
    const source = client.inProcess ? 'in-process (no server runs for this data directory)' : (this.flags.url ?? 'the server of this data directory');
    if (this.flags.json || this.flags.once || !process.stdout.isTTY) {
      const snapshot = await statusSnapshot(client, { source, tasks: this.flags.tasks });
      this.output(snapshot, () => renderStatus(snapshot));
      return;
    }
    // Ink and React load only here, so every other command starts without them.
    // The bundled dashboard (npm run build) starts far faster than ink's many modules; the plain
    // module is the fallback when running from a tree that was compiled without bundling.
    const color = this.flags.color && (process.env.NO_COLOR ?? '') === '';
    // Ink colors through chalk, which reads FORCE_COLOR when it loads (it does not read NO_COLOR).
    if (!color) process.env.FORCE_COLOR = '0';
    const bundle = '../ui/dashboard.bundle.js'; // made by the build, not known to tsc
    const { runDashboard } = (await import(bundle).catch(() => import('../ui/dashboard.js'))) as typeof import('../ui/dashboard.js');
    await runDashboard(client, { source, color, serverInfo: () => client.serverInfo() });
  }
}
