import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';
import { allFlag, nextPageHint, readPages } from '../../cli/paging.js';
import { shortId } from '../../client/contract.js';
import { dateTime } from './describe.js';

export default class JobsList extends BaseCommand<typeof JobsList> {
  static override summary = 'List jobs, a page at a time';
  static override examples = [
    '<%= config.bin %> jobs list',
    '<%= config.bin %> jobs list --labels "env=prod,tier in (a,b)" --limit 20',
    '<%= config.bin %> jobs list --order-by modified_at --reverse --json',
  ];
  static override flags = {
    labels: Flags.string({ description: 'a label selector (env=prod, tier in (a,b), !gpu; comma means AND)' }),
    limit: Flags.integer({ description: 'jobs per page (0: all)', default: 10, min: 0 }),
    'order-by': Flags.string({ description: 'created_at (default) or modified_at' }),
    reverse: Flags.boolean({ description: 'reverse the order', default: false }),
    'next-token': Flags.string({ description: 'the NextToken of the previous page' }),
    all: allFlag,
  };

  async run(): Promise<void> {
    const client = await this.client();
    const read = await readPages(this.flags['next-token'], this.flags.all, async (nextToken) => {
      const p = await client.jobs({ labels: this.flags.labels, limit: this.flags.limit, orderBy: this.flags['order-by'], reverse: this.flags.reverse || undefined, nextToken });
      return { items: p.Items, next: p.NextToken || undefined };
    });
    const page = { Items: read.items, NextToken: read.next ?? '' };
    this.output(page, () => {
      if (page.Items.length === 0) return this.flags['next-token'] ? 'No more jobs.' : 'No jobs yet. `taho jobs run <spec.yaml>` or `taho wasm run <module.wasm>` submits one.';
      const rows = page.Items.map((j) => [shortId(j.ID), j.Name, j.Type, j.State.StateType, dateTime(j.CreateTime)]);
      return table(['ID', 'NAME', 'TYPE', 'STATE', 'CREATED'], rows);
    });
    // The token holds the order and the page size; a label selector is not in it and goes again.
    const labels = this.flags.labels === undefined ? '' : ` --labels ${JSON.stringify(this.flags.labels)}`;
    const hint = nextPageHint('jobs', `${this.config.bin} jobs list${labels} --next-token`, read.next);
    if (hint) this.logToStderr(hint);
  }
}
