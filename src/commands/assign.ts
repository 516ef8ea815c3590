import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { queuedNote } from '../cli/town-view.js';

export default class Assign extends BaseCommand<typeof Assign> {
  static override summary = 'Give an agent a task (it goes to the agent\'s inbox; a round runs it)';
  static override description = 'The words after the agent are the task. With --urgent it goes to the front lane of the inbox. Rounds run only while `taho serve` runs; without a server the task waits in the inbox.';
  static override aliases = ['town:assign'];
  static override strict = false;
  static override examples = [
    '<%= config.bin %> assign worker1 write the release notes',
    '<%= config.bin %> assign worker1 "fix the failing test" --urgent',
  ];
  static override args = {
    agent: Args.string({ description: 'the agent, by name or id', required: true }),
    task: Args.string({ description: 'the task (every remaining word)', required: true }),
  };
  static override flags = {
    urgent: Flags.boolean({ description: 'put it in the urgent lane, ahead of other work', default: false }),
  };

  async run(): Promise<void> {
    const task = this.positional.slice(1).join(' ');
    const client = await this.client();
    const r = await client.assignTask(this.args.agent, task, this.flags.urgent || undefined);
    this.output(r, () => `task ${r.task_id} assigned to ${r.agent_name}${this.flags.urgent ? ' (urgent)' : ''}`);
    const note = queuedNote(client, `${r.agent_name}'s inbox`);
    if (note !== undefined) this.logToStderr(note);
    this.nextStep(`\`${this.config.bin} logs ${r.agent_name} -f\` follows its round; \`${this.config.bin} explain ${r.task_id.slice(0, 8)}\` says where the task is.`);
  }
}
