import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import type { Client } from '../client/contract.js';
import type { AgentExplanation } from '../client/contract.js';
import { isTahoError, TahoError } from '../cli/errors.js';
import { eventWaker } from '../client/waker.js';

export default class Logs extends BaseCommand<typeof Logs> {
  static override summary = 'Print the output of an agent\'s round (default: its last); -f follows it';
  static override description = 'Each task runs as one round of the agent\'s CLI; its stdout and stderr go to one log. With --follow, new output is printed as it comes, and the next rounds\' too while the agent has work, until the agent is no longer working and nothing new came (or Ctrl-C).';
  static override aliases = ['town:logs'];
  static override examples = ['<%= config.bin %> logs worker1', '<%= config.bin %> logs worker1 --round 3', '<%= config.bin %> logs worker1 -f'];
  static override args = { agent: Args.string({ description: 'the agent, by name or id', required: true }) };
  static override flags = {
    round: Flags.integer({ description: 'the round number (default: the last)', min: 1 }),
    follow: Flags.boolean({ char: 'f', description: 'keep printing new output while the agent works', default: false }),
  };

  async run(): Promise<void> {
    const client = await this.client();
    if (!this.flags.follow) {
      const text = await client.roundLog(this.args.agent, this.flags.round);
      if (this.flags.json) this.output({ agent: this.args.agent, round: this.flags.round ?? null, log: text }, () => '');
      else process.stdout.write(text);
      return;
    }
    const ctl = new AbortController();
    const stop = (): void => ctl.abort();
    process.once('SIGINT', stop);
    try {
      await this.#follow(client, ctl.signal);
    } finally {
      process.off('SIGINT', stop);
      ctl.abort(); // ends the event stream the follow listened to
    }
  }

  async #follow(client: Client, signal: AbortSignal): Promise<void> {
    const agent = this.args.agent;
    const pinned = this.flags.round;
    let round: number | undefined = pinned;
    let printed = 0;
    // Woken by the event stream alone: this agent's "log grew" events and its town events (a
    // round starting or ending). The stream is live before the first read, so nothing in between
    // is missed; until the agent is known every event counts (one more read at most).
    let me: { id: string; name: string } | undefined;
    const waker = eventWaker(client, { kinds: ['log', 'town'], after: 'latest', signal }, (e) => me === undefined
      || (e.kind === 'log' ? e.subject === `agent/${me.name}` : (e.data as { agent_id?: unknown }).agent_id === me.id));
    await waker.live;
    while (!signal.aborted) {
      // State first, log second: output written before the round ended is in this read.
      const x = await this.#agent(client, agent);
      me = { id: x.agent.id, name: x.agent.name };
      const last = x.last_round?.n;
      if (pinned === undefined && last !== undefined && last !== round) {
        if (round !== undefined && !this.flags.json) this.#write(last, `--- round ${last} ---\n`);
        round = last;
        printed = 0;
      }
      let fresh = false;
      // A pinned round that has not started yet is waited for while the agent has work.
      const started = round !== undefined && (last ?? 0) >= round;
      if (started && round !== undefined) {
        const text = await client.roundLog(agent, round);
        // Hold back a character cut in half by a write still in progress.
        const end = text.endsWith('\uFFFD') ? text.length - 1 : text.length;
        if (end > printed) {
          this.#write(round, text.slice(printed, end));
          printed = end;
          fresh = true;
        }
      }
      const working = x.agent.state === 'Working';
      // Idle with work queued: the next round starts shortly, unless no dispatcher runs.
      const startingSoon = pinned === undefined && x.agent.state === 'Idle' && x.inbox.work > 0 && !x.waiting_for.some((r) => r.code === 'dispatcher_stalled');
      if (!fresh && !working && !startingSoon) {
        if (!started && round !== undefined) await client.roundLog(agent, round); // says which rounds exist
        if (round === undefined) {
          throw new TahoError('TAHO_BAD_REQUEST', `agent ${agent} has run no round yet`, { hint: 'Assign it a task; each task is one round (run only while `taho serve` runs).' });
        }
        return;
      }
      // New output: look again at once (the round may have ended meanwhile); otherwise sleep until
      // the stream says something changed.
      if (!fresh) await waker.wait();
    }
  }

  async #agent(client: Client, agent: string): Promise<AgentExplanation> {
    const x = await client.explain(agent).catch((err: unknown) => {
      // explain tries an agent, then a task id: a name that is neither is an unknown agent.
      if (isTahoError(err, 'TAHO_BAD_REQUEST') || isTahoError(err, 'TAHO_TASK_NOT_FOUND')) throw new TahoError('TAHO_AGENT_NOT_FOUND', `Agent not found: ${agent}`, { hint: '`tt list` shows the agents\' names and ids.', details: { agent } });
      throw err;
    });
    if (x.kind !== 'agent') {
      throw new TahoError('TAHO_AGENT_NOT_FOUND', `Agent not found: ${agent}`, { hint: 'That is a task id; give the agent that ran it (`tt task show <id>` names it).' });
    }
    return x;
  }

  /** Raw output, or with --json one `{agent, round, text}` object per line. */
  #write(round: number, text: string): void {
    process.stdout.write(this.flags.json ? `${JSON.stringify({ agent: this.args.agent, round, text })}\n` : text);
  }
}
