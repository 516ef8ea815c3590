import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { table } from '../cli/output.js';
import { nameOf, oneLine, shortId } from '../cli/town-view.js';

export default class Inbox extends BaseCommand<typeof Inbox> {
  static override summary = 'Show an agent\'s inbox (the first 100 messages, urgent lane first), without taking them';
  static override aliases = ['town:inbox'];
  static override examples = ['<%= config.bin %> inbox worker1', '<%= config.bin %> inbox worker1 --json'];
  static override args = { agent: Args.string({ description: 'the agent, by name or id', required: true }) };

  async run(): Promise<void> {
    const client = await this.client();
    const box = await client.inbox(this.args.agent);
    const agents = box.messages.length === 0 ? [] : (await client.townStatus()).agents;
    this.output(box, () => {
      const head = `${box.agent}: ${box.total} message(s), ${box.urgent} urgent`;
      if (box.messages.length === 0) return head;
      const rows = box.messages.map((m) => [shortId(m.id), nameOf(agents, m.from), m.type, m.urgent ? 'yes' : '', shortId(m.task_id ?? null), oneLine(m.summary, 72)]);
      const more = box.total > box.messages.length ? [`(${box.total - box.messages.length} more not shown)`] : [];
      return [head, '', table(['ID', 'FROM', 'TYPE', 'URGENT', 'TASK', 'SUMMARY'], rows), ...more].join('\n');
    });
  }
}
