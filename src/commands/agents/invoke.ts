import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { formatValue } from '../../cli/output.js';
import { agentTargetError, parseAgentTarget } from '../../cli/agent-target.js';
import { componentError } from '../../cli/errors.js';
import { parseArgument } from '../../cli/parse-input.js';

export default class AgentsInvoke extends BaseCommand<typeof AgentsInvoke> {
  static override summary = 'Invoke a function of a durable agent (created by its first invocation)';
  static override description = 'Waits for the result by default. With --idempotency-key a retry returns the first result instead of running again.';
  static override examples = [
    '<%= config.bin %> agents invoke example/counter/c1 increment 5',
    '<%= config.bin %> agents invoke example/counter/c1 increment 5 --idempotency-key order-42',
    '<%= config.bin %> agents invoke example/counter/c1 get --json',
  ];
  static override strict = false;
  static override args = {
    agent: Args.string({ description: 'the agent, as <component>/<agent>', required: true }),
    function: Args.string({ description: 'the function (`fn`, or `ns:pkg/iface.{fn}`)', required: true }),
  };
  static override flags = {
    wait: Flags.boolean({ description: 'wait for the result (--no-wait only enqueues)', default: true, allowNo: true }),
    'idempotency-key': Flags.string({ char: 'k', description: 'a key that makes retries safe' }),
  };

  async run(): Promise<void> {
    const { component, agent } = parseAgentTarget(this.args.agent);
    const client = await this.client();
    const r = await this.progress(`${this.args.agent} ${this.args.function}`, client.agentInvoke({
      component, agent, fn: this.args.function, args: this.positional.slice(2).map(parseArgument),
      key: this.flags['idempotency-key'], wait: this.flags.wait,
    })).catch(async (err: unknown) => {
      throw await agentTargetError(err, this.args.agent, () => client.components());
    });
    // `err(e)` of a result is a value (Golem answers it with 200), but for a shell it is a failure:
    // an `Error:` line like `taho invoke` prints (the value itself stays in --json).
    const value = r.result?.value;
    const failed = r.result?.typ.type === 'Result' && typeof value === 'object' && value !== null && 'err' in value;
    if (failed && !this.flags.json) throw componentError(`${this.args.agent} ${this.args.function}`, (value as { err: Parameters<typeof componentError>[1] }).err);
    this.output(r, () => (r.result === undefined ? (this.flags.wait ? '' : 'enqueued') : formatValue(r.result.value)));
    if (failed) process.exitCode = 1;
  }
}
