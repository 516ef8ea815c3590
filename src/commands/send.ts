import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { queuedNote } from '../cli/town-view.js';

const KINDS = ['query', 'info', 'ack'] as const;

export default class Send extends BaseCommand<typeof Send> {
  static override summary = 'Send a message to an agent';
  static override description = 'By default the message is a task (a round runs it), as is --query; --info and --ack carry no work and ride along in the agent\'s next round\'s prompt.';
  static override aliases = ['town:send'];
  static override strict = false;
  static override examples = [
    '<%= config.bin %> send worker1 also update the changelog',
    '<%= config.bin %> send worker1 --info the API moved to v2',
    '<%= config.bin %> send worker1 --query what is blocking you? --from reviewer',
  ];
  static override args = {
    agent: Args.string({ description: 'the agent, by name or id', required: true }),
    message: Args.string({ description: 'the message (every remaining word)', required: true }),
  };
  static override flags = {
    urgent: Flags.boolean({ description: 'put it in the urgent lane', default: false }),
    query: Flags.boolean({ description: 'a question (it runs as a task)', exclusive: ['info', 'ack'] }),
    info: Flags.boolean({ description: 'information, no work', exclusive: ['query', 'ack'] }),
    ack: Flags.boolean({ description: 'an acknowledgement, no work', exclusive: ['query', 'info'] }),
    from: Flags.string({ description: 'the sender: an agent (name or id), or supervisor (default)' }),
  };

  async run(): Promise<void> {
    const kind = KINDS.find((k) => this.flags[k] === true) ?? 'task';
    const client = await this.client();
    const r = await client.sendMessage({
      to: this.args.agent,
      message: this.positional.slice(1).join(' '),
      kind,
      from: this.flags.from,
      urgent: this.flags.urgent || undefined,
    });
    this.output(r, () => `${kind} message ${r.message_id} sent to ${this.args.agent}${r.urgent ? ' (urgent)' : ''}`);
    const note = kind === 'task' || kind === 'query' ? queuedNote(client, `${this.args.agent}'s inbox`) : undefined;
    if (note !== undefined) this.logToStderr(note);
  }
}
