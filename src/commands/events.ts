import { allFlag, nextPageHint } from '../cli/paging.js';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import type { TownEvent } from '../client/contract.js';
import { SUPERVISOR_ID } from '../client/contract.js';
import { oneLine, shortId } from '../cli/town-view.js';

/** The interesting fields of an event's data, in one line; agents by name when known. */
export function eventSummary(e: TownEvent, names: ReadonlyMap<string, string> = new Map()): string {
  const d = e.data;
  const str = (k: string): string | undefined => (typeof d[k] === 'string' ? d[k] : undefined);
  const agent = (id: string | undefined): string | undefined => (id === undefined ? undefined : id === SUPERVISOR_ID ? 'supervisor' : names.get(id) ?? shortId(id));
  const parts: string[] = [];
  const who = str('name') ?? str('agent_name') ?? agent(str('agent_id'));
  if (who !== undefined) parts.push(who);
  if (e.kind === 'agent' && str('from') !== undefined && str('state') !== undefined) parts.push(`${str('from')} -> ${str('state')}`);
  else if (str('state') !== undefined) parts.push(String(str('state')));
  if (e.kind === 'message') {
    parts.push(`${str('type') ?? '?'} to ${str('to_name') ?? agent(str('to')) ?? '?'}`);
    if (str('from') !== undefined) parts.push(`from ${agent(str('from'))}`);
  }
  if (str('cli') !== undefined) parts.push(`cli ${str('cli')}`);
  const task = str('task_id') ?? str('current_task');
  if (task !== undefined) parts.push(`task ${shortId(task)}`);
  if (str('from_agent') !== undefined) parts.push(`from ${agent(str('from_agent'))}`);
  if (typeof d['round'] === 'number') parts.push(`round ${d['round']}`);
  if (typeof d['exit_code'] === 'number') parts.push(`exit ${d['exit_code']}`);
  if (str('signal') !== undefined) parts.push(`signal ${str('signal')}`);
  if (d['urgent'] === true) parts.push('urgent');
  if (str('why') !== undefined) parts.push(`(${str('why')})`);
  if (str('description') !== undefined) parts.push(JSON.stringify(oneLine(str('description') ?? '', 50)));
  if (str('result') !== undefined && str('result') !== '') parts.push(`result: ${oneLine(str('result') ?? '', 50)}`);
  return parts.join(' ');
}

export function eventLine(e: TownEvent, names?: ReadonlyMap<string, string>): string {
  return `#${e.id} ${e.at} ${e.kind} ${e.type} ${eventSummary(e, names)}`.trimEnd();
}

export default class Events extends BaseCommand<typeof Events> {
  static override summary = 'Print the town\'s events, one per line; --follow streams new ones until Ctrl-C';
  static override description = 'Each line is `#id time kind type summary`. Ids increase by one per change and survive restarts, so --after <id> resumes where an earlier run stopped. Without --follow they come a page at a time (--limit, oldest first); the line after them says how to see the next page. With --json: an array, or with --follow one JSON object per line.';
  static override aliases = ['town:events'];
  static override examples = ['<%= config.bin %> events', '<%= config.bin %> events --follow', '<%= config.bin %> events --after 120 --json', '<%= config.bin %> events --all'];
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'keep printing new events until Ctrl-C', default: false }),
    after: Flags.integer({ description: 'only events after this id', min: 0 }),
    limit: Flags.integer({ description: 'events per page (without --follow)', default: 100, min: 1 }),
    all: allFlag,
  };

  async run(): Promise<void> {
    const client = await this.client();
    const names = new Map<string, string>();
    if (!this.flags.json) {
      for (const a of (await client.townStatus()).agents) names.set(a.id, a.name);
    }
    const ctl = new AbortController();
    const stop = (): void => ctl.abort();
    process.once('SIGINT', stop);
    try {
      const all: TownEvent[] = [];
      const paged = !this.flags.follow && !this.flags.all;
      let seen = 0;
      let last = 0;
      let more: number | undefined;
      for await (const e of client.townEvents({ after: this.flags.after, follow: this.flags.follow, signal: ctl.signal })) {
        if (ctl.signal.aborted) break;
        // One past the page: there is a next one, which starts after the last printed.
        if (paged && seen === this.flags.limit) {
          more = last;
          ctl.abort();
          break;
        }
        last = e.id;
        const name = e.kind === 'agent' && typeof e.data['agent_id'] === 'string' && typeof e.data['name'] === 'string' ? e.data['name'] : undefined;
        if (name !== undefined) names.set(e.data['agent_id'] as string, name);
        seen++;
        if (!this.flags.follow && this.flags.json) all.push(e);
        else if (this.flags.json) process.stdout.write(`${JSON.stringify(e)}\n`);
        else this.log(eventLine(e, names));
      }
      if (!this.flags.follow && this.flags.json) this.output(all, () => '');
      else if (!this.flags.follow && seen === 0) this.log(this.flags.after === undefined ? 'No events yet.' : `No events after #${this.flags.after}.`);
      const hint = nextPageHint('events', `${this.config.bin} events${this.flags.limit === 100 ? '' : ` --limit ${this.flags.limit}`} --after`, more);
      if (hint) this.logToStderr(hint);
    } finally {
      process.off('SIGINT', stop);
    }
  }
}
