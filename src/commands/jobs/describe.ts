import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { table } from '../../cli/output.js';
import type { Execution, JobDescription, JobHistory } from '../../client/contract.js';
import { COMPUTE_STATE_NAMES, DESIRED_STATE_NAMES, shortId } from '../../client/contract.js';

export default class JobsDescribe extends BaseCommand<typeof JobsDescribe> {
  static override summary = 'Show a job: state, summary, history, executions and their output';
  static override examples = ['<%= config.bin %> jobs describe j-1a2b3c4d', '<%= config.bin %> jobs describe hello-wasi --json'];
  static override args = { id: Args.string({ description: 'the job: its id, a unique id prefix, or its name', required: true }) };

  async run(): Promise<void> {
    const d = await (await this.client()).describeJob(this.args.id);
    this.output(d, () => describeText(d));
  }
}

/** `bacalhau job describe`'s sections. */
export function describeText(d: JobDescription): string {
  const job = d.Job;
  const executions = d.Executions?.Items ?? [];
  const history = (d.History?.Items ?? []).filter((h) => h.Type === 'JobLevel');
  const header: [string, string][] = [
    ['ID', job.ID], ['Name', job.Name], ['Namespace', job.Namespace], ['Type', job.Type], ['State', job.State.StateType],
    ...(job.State.Message ? [['Message', job.State.Message] as [string, string]] : []),
    ...(job.Type === 'batch' || job.Type === 'service' ? [['Count', String(job.Count)] as [string, string]] : []),
    ['Created Time', dateTime(job.CreateTime)], ['Modified Time', dateTime(job.ModifyTime)], ['Version', String(job.Version)],
  ];
  const width = Math.max(...header.map(([k]) => k.length));
  const counts = new Map<string, number>();
  for (const e of executions) {
    const name = COMPUTE_STATE_NAMES[e.ComputeState.StateType] ?? String(e.ComputeState.StateType);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const sections = [
    header.map(([k, v]) => `${k.padEnd(width)} = ${v}`).join('\n'),
    `Summary\n${counts.size === 0 ? 'No executions yet' : [...counts].map(([k, n]) => `${k} : ${n}`).join('\n')}`,
    `Job History\n${historyTable(history, false)}`,
    `Executions\n${executions.length === 0 ? 'None yet' : executionsTable(executions)}`,
    `Standard Output\n${standardOutput(executions)}`,
    // A cluster keeps each execution's results and logs on the node that ran it.
    ...(d.Locations && d.Locations.length > 0 ? [`Results and Logs\n${table(['EXEC. ID', 'ON NODE', 'ADDRESS', 'REACHABLE'], d.Locations.map((l) => [
      shortId(l.ExecutionID), shortId(l.NodeID), l.NodeURL || '(forgotten)', l.Reachable ? 'yes' : 'no',
    ]))}`] : []),
  ];
  return sections.join('\n\n');
}

function standardOutput(executions: readonly Execution[]): string {
  const withOutput = executions.filter((e) => e.RunOutput);
  if (withOutput.length === 0) return 'No output yet';
  const one = (e: Execution): string => {
    const o = e.RunOutput;
    if (!o) return '';
    let text = o.Stdout + (o.stderr ? `${o.Stdout && !o.Stdout.endsWith('\n') ? '\n' : ''}${o.stderr}` : '');
    if (o.StdoutTruncated || o.StderrTruncated) text += `${text.endsWith('\n') || text === '' ? '' : '\n'}...\nOutput truncated`;
    return text.replace(/\n$/, '') || '(no output)';
  };
  if (withOutput.length === 1) return one(withOutput[0] as Execution);
  return withOutput.map((e) => `Execution ${shortId(e.ID)}:\n${one(e)}`).join('\n\n');
}

export function executionsTable(executions: readonly Execution[]): string {
  return table(['ID', 'NODE ID', 'STATE', 'DESIRED', 'REV.', 'CREATED', 'MODIFIED', 'COMMENT'], executions.map((e) => [
    shortId(e.ID), shortId(e.NodeID), COMPUTE_STATE_NAMES[e.ComputeState.StateType] ?? String(e.ComputeState.StateType),
    DESIRED_STATE_NAMES[e.DesiredState.StateType] ?? String(e.DesiredState.StateType), String(e.Revision),
    ago(e.CreateTime), ago(e.ModifyTime), e.ComputeState.Message ?? '',
  ]));
}

/** History as a table; with `levels`, Bacalhau's `job history` columns (LEVEL and EXEC. ID too). */
export function historyTable(history: readonly JobHistory[], levels: boolean): string {
  if (history.length === 0) return 'No events';
  const event = (h: JobHistory): string => {
    const why = h.Event.Details?.description ?? h.Event.Details?.error;
    return why && !h.Event.Message.includes(why) ? `${h.Event.Message}: ${why}` : h.Event.Message;
  };
  return levels
    ? table(['TIME', 'LEVEL', 'EXEC. ID', 'TOPIC', 'EVENT'], history.map((h) => [
      clockTime(h.Time), h.Type === 'JobLevel' ? 'Job' : 'Execution', h.ExecutionID ? shortId(h.ExecutionID) : '', h.Event.Topic, event(h),
    ]))
    : table(['TIME', 'TOPIC', 'EVENT'], history.map((h) => [clockTime(h.Time), h.Event.Topic, event(h)]));
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Go's time.DateTime (`2006-01-02 15:04:05`), local time, from Unix nanoseconds. */
export function dateTime(ns: number): string {
  const d = new Date(ns / 1e6);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Go's time.TimeOnly (`15:04:05`), local time, from an RFC 3339 string. */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** How long ago, from Unix nanoseconds: `4s ago`, `3m ago`, `2h ago`, `5d ago`. */
export function ago(ns: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ns / 1e6) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
