import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';
import type { JobExplanation } from '../../client/contract.js';
import { shortId } from '../../client/contract.js';

export default class JobsExplain extends BaseCommand<typeof JobsExplain> {
  static override summary = 'Why a job is where it is: queue position, each node\'s verdict, time left';
  static override examples = ['<%= config.bin %> jobs explain j-1a2b3c4d'];
  static override args = { id: Args.string({ description: 'the job: its id, a unique id prefix, or its name', required: true }) };

  async run(): Promise<void> {
    const x = await (await this.client()).explainJob(this.args.id);
    this.output(x, () => explainText(x));
  }
}

function explainText(x: JobExplanation): string {
  const lines = [`Job ${x.JobID} is ${x.State}`, `Summary: ${x.Summary}`];
  if (x.QueuePosition !== undefined) lines.push(`Queue position: ${x.QueuePosition} of ${x.QueueLength ?? '?'}`);
  if (x.QueueTimeoutLeftS !== undefined) lines.push(`Time left before its QueueTimeout: ${x.QueueTimeoutLeftS}s`);
  lines.push('', 'Nodes');
  lines.push(x.Nodes.length === 0 ? 'There are no compute nodes.' : table(['NODE ID', 'VERDICT', 'REASON'], x.Nodes.map((n) => [shortId(n.NodeID), n.Accepted ? 'accepts' : 'rejects', n.Reason])));
  if (x.Executions.length > 0) {
    lines.push('', 'Executions', table(['ID', 'STATE', 'MESSAGE'], x.Executions.map((e) => [shortId(e.ID), e.State, e.Message])));
  }
  return lines.join('\n');
}
