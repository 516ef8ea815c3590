import type { AgentInfo, Explanation, JobDescription, JobExplanation, TownTask } from '../client/contract.js';
import { COMPUTE_STATE_NAMES } from '../client/contract.js';
import { age, ms, shortId } from './format.js';

/** The text of the details and explain boxes (pure: lines, the box cuts them to fit). */

/** The last `n` lines of a text (a round's log, a job's stdout). */
export function tail(text: string, n: number): string[] {
  const lines = text.replace(/\r/g, '').replace(/\n+$/, '').split('\n');
  return n <= 0 ? [] : lines.slice(Math.max(0, lines.length - n));
}

/** A task's fields; the agent by name when known (a UUID is not what a person looks for). */
export function taskLines(t: TownTask, agentName?: string): string[] {
  return [
    `id:          ${t.id}`,
    `state:       ${t.state}`,
    `assigned to: ${t.assigned_to === null ? '-' : agentName ?? shortId(t.assigned_to)}`,
    `created:     ${t.created_at}`,
    `updated:     ${t.updated_at}`,
    `started:     ${t.started_at ?? '-'}`,
    `completed:   ${t.completed_at ?? '-'}`,
    `tags:        ${t.tags.length === 0 ? '-' : t.tags.join(', ')}`,
    ...(t.parent_id ? [`parent:      ${t.parent_id}`] : []),
    '',
    'description:',
    ...t.description.split('\n').map((l) => `  ${l}`),
    ...(t.result === null ? [] : ['', 'result:', ...t.result.split('\n').map((l) => `  ${l}`)]),
  ];
}

/** A durable agent's fields, one per line (it was raw JSON). */
export function durableLines(a: AgentInfo, now: number): string[] {
  const env = Object.entries(a.env ?? {});
  return [
    `agent:      ${a.component}/${a.agent}`,
    `status:     ${a.status}`,
    `pending:    ${a.pending} invocation${a.pending === 1 ? '' : 's'}`,
    `oplog:      ${a.oplogSize} entr${a.oplogSize === 1 ? 'y' : 'ies'}`,
    `created:    ${age(ms(a.createdAt), now)} ago (${a.createdAt})`,
    `component:  ${a.componentId}`,
    ...(env.length === 0 ? [] : ['', 'environment:', ...env.map(([k, v]) => `  ${k}=${v}`)]),
  ];
}

export function jobLines(d: JobDescription, stdoutLines: number): string[] {
  const j = d.Job;
  const execs = [...(d.Executions?.Items ?? [])].sort((a, b) => a.CreateTime - b.CreateTime);
  const lines = [
    `id:      ${j.ID}`,
    `name:    ${j.Name}`,
    `type:    ${j.Type}`,
    `state:   ${j.State.StateType}${j.State.Message ? ` (${j.State.Message})` : ''}`,
    `version: ${j.Version}`,
    '',
    execs.length === 0 ? 'No executions.' : `Executions (${execs.length}):`,
    ...execs.map((e) => `  ${shortId(e.ID)}  node ${shortId(e.NodeID)}  ${COMPUTE_STATE_NAMES[e.ComputeState.StateType] ?? e.ComputeState.StateType}${e.ComputeState.Message ? `  ${e.ComputeState.Message}` : ''}${e.RunOutput ? `  exit ${e.RunOutput.ExitCode}` : ''}`),
  ];
  const last = [...execs].reverse().find((e) => e.RunOutput !== null);
  if (last?.RunOutput) {
    const out = last.RunOutput;
    lines.push('', `stdout of ${shortId(last.ID)}${out.StdoutTruncated ? ' (truncated)' : ''}:`);
    lines.push(...(out.Stdout === '' ? ['  (empty)'] : tail(out.Stdout, stdoutLines).map((l) => `  ${l}`)));
    if (out.stderr !== '') lines.push('', 'stderr:', ...tail(out.stderr, Math.max(3, Math.floor(stdoutLines / 3))).map((l) => `  ${l}`));
    if (out.ErrorMsg) lines.push('', `error: ${out.ErrorMsg}`);
  }
  return lines;
}

export function explanationLines(x: Explanation, now: number): string[] {
  const reasons = x.waiting_for.length === 0 ? ['  nothing'] : x.waiting_for.map((r) => `  ${r.code}: ${r.message}`);
  if (x.kind === 'agent') {
    const a = x.agent;
    return [
      `agent ${a.name} (${shortId(a.id)}) is ${a.state}`,
      `inbox:          ${x.inbox.total} (${x.inbox.urgent} urgent, ${x.inbox.work} with work)`,
      `last heartbeat: ${age(ms(x.last_heartbeat), now)} ago`,
      `process:        ${x.process ? `pid ${x.process.pid} ${x.process.alive ? 'alive' : 'gone'}` : '-'}`,
      `current task:   ${x.current_task ? `${shortId(x.current_task.id)} ${x.current_task.description.split('\n')[0] ?? ''}` : '-'}`,
      `last round:     ${x.last_round ? `#${x.last_round.n} task ${shortId(x.last_round.task_id)} exit ${x.last_round.exit_code ?? x.last_round.signal ?? 'running'}` : '-'}`,
      '', 'waiting for:', ...reasons,
    ];
  }
  return [
    `task ${shortId(x.task.id)} is ${x.task.state}, in ${x.location}`,
    `agent:          ${x.agent ? `${x.agent.name} (${x.agent.state})` : '-'}`,
    ...(x.inbox_position === null ? [] : [`inbox position: ${x.inbox_position}`]),
    ...(x.round ? [`round:          #${x.round.n} exit ${x.round.exit_code ?? x.round.signal ?? 'running'}`] : []),
    `description:    ${x.task.description.split('\n')[0] ?? ''}`,
    '', 'waiting for:', ...reasons,
  ];
}

export function jobExplanationLines(x: JobExplanation): string[] {
  return [
    `job ${shortId(x.JobID)} is ${x.State}`,
    x.Summary,
    ...(x.QueuePosition === undefined ? [] : [`queue: ${x.QueuePosition} of ${x.QueueLength ?? '?'}`]),
    ...(x.QueueTimeoutLeftS === undefined ? [] : [`queue timeout in ${x.QueueTimeoutLeftS} s`]),
    ...(x.Nodes.length === 0 ? [] : ['', 'nodes:', ...x.Nodes.map((n) => `  ${n.NodeID}  ${n.Accepted ? 'accepted' : 'refused'}  ${n.Reason}`)]),
    ...(x.Executions.length === 0 ? [] : ['', 'executions:', ...x.Executions.map((e) => `  ${shortId(e.ID)}  ${e.State}  ${e.Message}`)]),
  ];
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
