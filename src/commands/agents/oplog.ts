import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { parseAgentTarget } from '../../cli/agent-target.js';

export default class AgentsOplog extends BaseCommand<typeof AgentsOplog> {
  static override summary = 'Print a durable agent\'s oplog: each invocation, what the host answered, the result';
  static override examples = ['<%= config.bin %> agents oplog example/counter/c1', '<%= config.bin %> agents oplog example/counter/c1 --json'];
  static override args = { agent: Args.string({ description: 'the agent, as <component>/<agent>', required: true }) };

  async run(): Promise<void> {
    const { component, agent } = parseAgentTarget(this.args.agent);
    const entries = await (await this.client()).oplog(component, agent);
    this.output(entries, () => entries.map((e) => {
      const host = e.host.length === 0 ? '' : `  host: ${e.host.map((h) => h.k).join(', ')}`;
      const outcome = e.error ? `${e.kind === 'failed' ? 'failed' : 'error'}: ${e.error.message}` : `= ${JSON.stringify(e.result)}`;
      return `#${e.seq} ${new Date(e.at).toISOString()} ${e.fn}(${JSON.stringify(e.params).slice(1, -1)}) ${outcome}  [key ${e.key}]${host}`;
    }).join('\n') || 'The oplog is empty.');
  }
}
