import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import type { Explanation } from '../client/contract.js';
import type { AgentExplanation, TaskExplanation } from '../client/contract.js';
import type { Round } from '../client/contract.js';
import { oneLine, shortId } from '../cli/town-view.js';

/** 850 ms, 12.3 s, 4 min, 2.5 h, 3 d. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const a = Math.max(0, ms);
  if (a < 1000) return `${Math.round(a)} ms`;
  if (a < 60_000) return `${(a / 1000).toFixed(1)} s`;
  if (a < 3_600_000) return `${Math.round(a / 60_000)} min`;
  if (a < 86_400_000) return `${(a / 3_600_000).toFixed(1)} h`;
  return `${(a / 86_400_000).toFixed(1)} d`;
}

function roundText(r: Round): string {
  const end = r.ended_at === null
    ? `running since ${r.started_at}`
    : r.exit_code !== null ? `exited ${r.exit_code} at ${r.ended_at}` : `ended by ${r.signal ?? 'a signal'} at ${r.ended_at}`;
  return `#${r.n} for task ${shortId(r.task_id)}, ${end} (log ${r.log})`;
}

function reasons(list: Explanation['waiting_for']): string[] {
  return list.length === 0 ? [] : ['waiting for:', ...list.map((r) => `  - ${r.message} [${r.code}]`)];
}

function renderTaskExplanation(x: TaskExplanation): string {
  const t = x.task;
  const where = {
    backlog: 'in the backlog',
    inbox: `in ${x.agent?.name ?? '?'}'s inbox${x.inbox_position === null ? '' : ` (position ${x.inbox_position})`}`,
    agent: `running on ${x.agent?.name ?? '?'}`,
    finished: `finished (${t.state})`,
    nowhere: 'nowhere: no backlog, inbox or agent holds it',
  }[x.location];
  const lines = [
    `task ${t.id}: ${t.state}`,
    `  ${JSON.stringify(oneLine(t.description, 100))}`,
    `where:  ${where}`,
    ...(x.agent === null ? (t.assigned_to === null ? [] : [`agent:  ${t.assigned_to} (gone)`]) : [`agent:  ${x.agent.name} (${x.agent.state})`]),
    ...(x.round === null ? [] : [`round:  ${roundText(x.round)}`]),
  ];
  if (x.location === 'finished' && t.result !== null && t.result !== '') lines.push(`${t.state === 'failed' ? 'error' : 'result'}: ${oneLine(t.result, 100)}`);
  if (x.location !== 'finished') lines.push(...reasons(x.waiting_for));
  return lines.join('\n');
}

function renderAgentExplanation(x: AgentExplanation): string {
  const a = x.agent;
  const process = x.process === null ? 'none (no round running)' : `pid ${x.process.pid}, ${x.process.alive ? 'alive' : 'GONE'}`;
  const lines = [
    `agent ${a.name} (${a.id})`,
    `state:      ${a.state}`,
    `cli:        ${a.cli}${a.role_id === null ? '' : `, role ${a.role_id}`}${a.max_rounds === null ? '' : `, at most ${a.max_rounds} rounds`}`,
    `inbox:      ${x.inbox.total} message(s), ${x.inbox.urgent} urgent, ${x.inbox.work} with work`,
    `heartbeat:  ${duration(x.heartbeat_age_ms)} ago (${x.last_heartbeat})`,
    `process:    ${process}`,
    `current:    ${x.current_task === null ? 'no task' : `task ${x.current_task.id} (${x.current_task.state}) ${JSON.stringify(oneLine(x.current_task.description, 60))}`}`,
    `last round: ${x.last_round === null ? 'none yet' : roundText(x.last_round)}`,
    `done:       ${a.rounds_completed} round(s), ${a.tasks_completed} task(s) completed`,
    ...reasons(x.waiting_for),
  ];
  return lines.join('\n');
}

export function renderExplanation(x: Explanation): string {
  return x.kind === 'task' ? renderTaskExplanation(x) : renderAgentExplanation(x);
}

export default class Explain extends BaseCommand<typeof Explain> {
  static override summary = 'Say why nothing happens: where a task is and what it waits for, or an agent\'s state';
  static override description = 'For a task: backlog, inbox (and its place there), running on an agent, or finished, and what it is waiting for. For an agent: its state, inbox depth, heartbeat age, round process and last round\'s exit.';
  static override aliases = ['town:explain'];
  static override examples = ['<%= config.bin %> explain worker1', '<%= config.bin %> explain 3f0c…-…', '<%= config.bin %> explain worker1 --json'];
  static override args = { id: Args.string({ description: 'an agent (name, id or short id) or a task (id or short id)', required: true }) };

  async run(): Promise<void> {
    const id = this.args.id;
    const x = await (await this.client()).explain(id);
    this.output(x, () => renderExplanation(x));
  }
}
