import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { renderStatus } from '../cli/status-view.js';
import { statusSnapshot } from '../client/status.js';

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show everything on the server: town agents (and tasks), durable agents, jobs and services';
  static override aliases = ['town:status'];
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --tasks', '<%= config.bin %> status --json'];
  static override flags = {
    tasks: Flags.boolean({ description: 'also list the tasks, by state', default: false }),
    once: Flags.boolean({ description: 'print one snapshot and exit (what it does today; the live dashboard is coming)', default: false }),
  };

  async run(): Promise<void> {
    const client = this.client();
    const source = client.inProcess ? 'in-process (no server runs for this data directory)' : (this.flags.url ?? 'the server of this data directory');
    const snapshot = await statusSnapshot(client, { source, tasks: this.flags.tasks });
    this.output(snapshot, () => renderStatus(snapshot));
  }
}
