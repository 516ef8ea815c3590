import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { printJson } from '../../cli/output.js';
import { failIfFailed, pollHistory, waitQuietly } from './run.js';

export default class JobsRerun extends BaseCommand<typeof JobsRerun> {
  static override summary = 'Run a finished job again, as a new version with the same spec';
  static override description = 'Without a server (`taho serve`), the job runs in this process, so the command waits for it.';
  static override examples = ['<%= config.bin %> jobs rerun j-1a2b3c4d --reason "flaky input"', '<%= config.bin %> jobs rerun hello-wasi --wait'];
  static override args = { id: Args.string({ description: 'the job: its id, a unique id prefix, or its name', required: true }) };
  static override flags = {
    reason: Flags.string({ description: 'why (kept in the job\'s history)' }),
    wait: Flags.boolean({ description: 'wait for the new version to finish', default: false, allowNo: true }),
  };

  async run(): Promise<void> {
    const client = await this.client();
    const r = await client.rerunJob(this.args.id, this.flags.reason);
    for (const w of r.Warnings ?? []) this.logToStderr(`Warning: ${w}`);
    let wait = this.flags.wait;
    if (!wait && client.inProcess) {
      this.logToStderr('taho: no server runs, so the job runs in this process and would stop when it exits: waiting for it.');
      wait = true;
    }
    if (this.flags.json) {
      const job = wait ? await waitQuietly(client, r.JobID) : undefined;
      if (job) failIfFailed(job);
      printJson(job ? { ...r, Job: job } : r);
      return;
    }
    this.log('Job successfully rerun:');
    this.log(`\tJob ID: ${r.JobID}`);
    this.log(`\tJob Version: ${r.JobVersion}`);
    this.log(`\tEvaluation ID: ${r.EvaluationID}`);
    if (!wait) return;
    this.log('');
    const job = await pollHistory(this, client, r.JobID);
    failIfFailed(job);
    this.log('');
    this.log('To get more details about the run, execute:');
    this.log(`\ttaho jobs describe ${r.JobID}`);
  }
}
