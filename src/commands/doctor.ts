import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { doctorLines } from '../cli/doctor-view.js';
import { runDoctor } from '../client/doctor.js';

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = 'Check a data directory offline (its store file, WAL, schema, leases, stray files); --repair makes the safe repairs';
  static override description = 'Exits 1 while a problem is left. --repair keeps every original: a damaged store is copied to a backup-<time> folder of the data directory and what can still be read goes into a new taho.db. It refuses while a taho serve runs on the directory.';
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --data-dir /var/lib/taho', '<%= config.bin %> doctor --repair'];
  static override flags = {
    repair: Flags.boolean({ description: 'make the safe repairs (originals are kept)', default: false }),
  };

  async run(): Promise<void> {
    const report = await runDoctor(await this.loadConfig(), this.flags.repair);
    this.output(report, () => doctorLines(report, this.flags.repair).join('\n'));
    if (!report.healthy) process.exitCode = 1;
  }
}
