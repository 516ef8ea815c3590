import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import type { JobHistory } from '../../client/contract.js';
import { historyTable } from './describe.js';

export default class JobsHistory extends BaseCommand<typeof JobsHistory> {
  static override summary = 'Show a job\'s history: every change of state of the job and its executions';
  static override examples = [
    '<%= config.bin %> jobs history j-1a2b3c4d',
    '<%= config.bin %> jobs history j-1a2b3c4d --event-type execution --execution-id e-5e6f',
  ];
  static override args = { id: Args.string({ description: 'the job: its id, a unique id prefix, or its name', required: true }) };
  static override flags = {
    'event-type': Flags.string({ description: 'which events', options: ['all', 'job', 'execution'], default: 'all' }),
    'execution-id': Flags.string({ description: 'only the events of this execution (an id prefix)' }),
    'job-version': Flags.integer({ description: 'only this version of the job (default: the current one)', min: 1 }),
    'all-versions': Flags.boolean({ description: 'the events of every version', default: false }),
    limit: Flags.integer({ description: 'at most this many events (one page; with --next-token for the next)', min: 1 }),
    'next-token': Flags.string({ description: 'the NextToken of the previous page' }),
  };

  async run(): Promise<void> {
    const client = await this.client();
    const f = this.flags;
    const jobVersion = f['job-version'] ?? (f['all-versions'] ? undefined : (await client.describeJob(this.args.id)).Job.Version);
    const query = { eventType: f['event-type'], executionId: f['execution-id'], jobVersion, allVersions: f['all-versions'] || undefined, limit: f.limit };
    const items: JobHistory[] = [];
    let nextToken = f['next-token'];
    let last = '';
    // One page when a limit is given; else every page there is now (a running job's token stays).
    for (;;) {
      const page = await client.jobHistory(this.args.id, { ...query, nextToken });
      items.push(...page.Items);
      last = page.NextToken;
      if (f.limit !== undefined || page.NextToken === '' || page.Items.length === 0) break;
      nextToken = page.NextToken;
    }
    const result = { Items: items, NextToken: last };
    this.output(result, () => historyTable(items, true) + (f.limit !== undefined && last ? `\n\nMore: taho jobs history ${this.args.id} --limit ${f.limit} --next-token ${last}` : ''));
  }
}
