import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { executionsTable } from './describe.js';

export default class JobsExecutions extends BaseCommand<typeof JobsExecutions> {
  static override summary = 'List the executions of a job\'s current version';
  static override examples = ['<%= config.bin %> jobs executions j-1a2b3c4d', '<%= config.bin %> jobs executions hello-wasi --json'];
  static override args = { id: Args.string({ description: 'the job: its id, a unique id prefix, or its name', required: true }) };

  async run(): Promise<void> {
    const executions = await (await this.client()).jobExecutions(this.args.id);
    this.output(executions, () => (executions.length === 0 ? 'No executions yet.' : executionsTable(executions)));
  }
}
