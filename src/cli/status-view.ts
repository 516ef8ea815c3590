import type { StatusSnapshot } from '../client/status.js';
import { shortId as jobShortId } from '../client/contract.js';
import { table } from './output.js';
import { agentTable, tasksByState } from './town-view.js';

/** `tt status` as plain text (not a TTY, or --once): Tinytown's status, plus durable agents, jobs and services. */
export function renderStatus(s: StatusSnapshot): string {
  const town = s.town;
  const working = town.agents.filter((a) => a.state === 'Working').length;
  const queued = town.agents.reduce((n, a) => n + a.inbox_len, 0);
  const lines = [`server: ${s.source}`, `town:   ${town.name}`, `agents: ${town.agent_count}`];
  if (town.agent_count > 0) lines.push(`        ${working} working, ${queued} message(s) waiting in inboxes`);
  lines.push('', town.agents.length === 0 ? 'No town agents yet. `tt spawn <name>` starts one.' : agentTable(town.agents, { urgent: true }));
  if (s.tasks !== undefined) lines.push('', 'Tasks', tasksByState(s.tasks, town.agents));
  lines.push('', `Durable agents (${s.durableAgents.length})`);
  if (s.durableAgents.length > 0) {
    lines.push(table(['COMPONENT', 'AGENT', 'STATUS', 'PENDING', 'OPLOG'], s.durableAgents.map((a) => [a.component, a.agent, a.status, String(a.pending), String(a.oplogSize)])));
  }
  const counts = Object.entries(s.jobCounts).map(([k, v]) => `${v} ${k}`).join(', ');
  lines.push('', `Jobs${counts ? ` (${counts})` : ' (none)'}`);
  if (s.jobs.length > 0) {
    lines.push(table(['ID', 'NAME', 'STATE', 'CREATED'], s.jobs.map((j) => [
      jobShortId(j.ID), j.Name === j.ID ? '-' : j.Name, j.State.StateType, new Date(j.CreateTime / 1e6).toISOString().replace('T', ' ').slice(0, 19),
    ])));
  }
  lines.push('', `Services (${s.services.length})`);
  if (s.services.length > 0) lines.push(table(['SERVICE', 'STATE', 'VERSION'], s.services.map((v) => [`${v.domain}/${v.service}`, v.state, v.version.slice(0, 12)])));
  return lines.join('\n');
}
