import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { table } from '../cli/output.js';
import { oneLine, queuedNote } from '../cli/town-view.js';

export default class Reclaim extends BaseCommand<typeof Reclaim> {
  static override summary = 'Tasks held by dead (Stopped, Error) agents: list them, or move them to an agent or the backlog';
  static override description = 'Without --to or --to-backlog it only lists them and moves nothing.';
  static override aliases = ['town:reclaim'];
  static override examples = [
    '<%= config.bin %> reclaim',
    '<%= config.bin %> reclaim --to-backlog',
    '<%= config.bin %> reclaim --from worker1 --to worker2',
  ];
  static override flags = {
    to: Flags.string({ description: 'move them to this agent (name or id)', exclusive: ['to-backlog'] }),
    'to-backlog': Flags.boolean({ description: 'move them to the backlog', exclusive: ['to'] }),
    from: Flags.string({ description: 'only the tasks of this dead agent' }),
  };

  async run(): Promise<void> {
    const client = await this.client();
    const r = await client.reclaim({ to: this.flags.to, toBacklog: this.flags['to-backlog'], from: this.flags.from });
    const listed = this.flags.to === undefined && this.flags['to-backlog'] !== true;
    this.output(r, () => {
      const rows = table(['TASK ID', 'STATE', 'AGENT', 'AGENT STATE', 'DESCRIPTION'], r.tasks.map((t) => [t.task_id, t.state, t.agent_name, t.agent_state, oneLine(t.description, 50)]));
      if (listed) {
        const head = `${r.tasks.length} task(s) held by dead agents; nothing moved. Use --to <agent> or --to-backlog to move them.`;
        return r.tasks.length === 0 ? head : `${head}\n\n${rows}`;
      }
      const where = this.flags.to === undefined ? 'the backlog' : `agent ${this.flags.to}`;
      return r.reclaimed === 0 ? `No tasks held by dead agents; nothing moved to ${where}.` : `moved ${r.reclaimed} task(s) to ${where}\n\n${rows}`;
    });
    const note = this.flags.to !== undefined && r.reclaimed > 0 ? queuedNote(client, `${this.flags.to}'s inbox`) : undefined;
    if (note !== undefined) this.logToStderr(note);
  }
}
