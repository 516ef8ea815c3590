import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class JobsStop extends BaseCommand<typeof JobsStop> {
  static override summary = 'Stop a job: its executions are killed and the job says why';
  static override examples = ['<%= config.bin %> jobs stop j-1a2b3c4d --reason "not needed any more"'];
  static override args = { id: Args.string({ description: 'the job: its id, a unique id prefix, or its name', required: true }) };
  static override flags = { reason: Flags.string({ description: 'why (kept as the job\'s state message)' }) };

  async run(): Promise<void> {
    const r = await (await this.client()).stopJob(this.args.id, this.flags.reason);
    this.output(r, () => (r.EvaluationID
      ? `Job stop successfully submitted with evaluation ID: ${r.EvaluationID}`
      : `The job had already ended (stopped or failed): nothing to stop.`));
  }
}
