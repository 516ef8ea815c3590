import { fileURLToPath } from 'node:url';
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class JobsResults extends BaseCommand<typeof JobsResults> {
  static override summary = 'Where a job\'s results are (jobs with the local publisher)';
  static override examples = ['<%= config.bin %> jobs results j-1a2b3c4d'];
  static override args = { id: Args.string({ description: 'the job: its id, a unique id prefix, or its name', required: true }) };

  async run(): Promise<void> {
    const results = await (await this.client()).jobResults(this.args.id);
    this.output(results, () => {
      if (results.length === 0) return 'No results: the job has no local publisher, or no execution completed.';
      return results.map((r) => {
        const url = typeof r.Params?.URL === 'string' ? r.Params.URL : typeof r.Params?.Path === 'string' ? r.Params.Path : JSON.stringify(r.Params ?? {});
        const path = url.startsWith('file://') ? fileURLToPath(url) : url;
        // In a cluster the files are on the node that ran the execution.
        const node = typeof r.Params?.NodeID === 'string' ? r.Params.NodeID : undefined;
        return node ? `${path}  (on node ${node.slice(0, 10)}${r.Params?.Reachable === false ? ', not reachable now' : ''})` : path;
      }).join('\n');
    });
  }
}
