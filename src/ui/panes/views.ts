import type { StatusSnapshot } from '../../client/status.js';
import { TASK_STATES } from '../../client/contract.js';
import { age, ms, shortId } from '../format.js';

/** The dashboard's panes, in tab order. */
export const PANES = ['agents', 'tasks', 'durable', 'jobs', 'services'] as const;
export type PaneId = (typeof PANES)[number];

/** What a row stands for: what enter, `e` and `k` act on. */
export type Target =
  | { readonly pane: 'agents'; readonly id: string; readonly name: string }
  | { readonly pane: 'tasks'; readonly id: string }
  | { readonly pane: 'durable'; readonly component: string; readonly agent: string }
  | { readonly pane: 'jobs'; readonly id: string; readonly name: string }
  | { readonly pane: 'services'; readonly id: string };

export interface Row {
  readonly key: string;
  readonly cells: readonly string[];
  readonly target: Target;
}

/** One pane as data: what the Pane component draws. */
export interface PaneView {
  readonly id: PaneId;
  readonly title: string;
  /** A line under the title (the tasks' counts by state). */
  readonly summary?: string | undefined;
  readonly headers: readonly string[];
  readonly rows: readonly Row[];
  /** Shown when there are no rows (before filtering). */
  readonly empty: string;
}

export interface ViewInput {
  readonly snapshot: StatusSnapshot;
  /** Node of each job's latest execution, by job id. */
  readonly jobNodes: Readonly<Record<string, string>>;
  readonly now: number;
}

/** Tasks shown in the tasks pane: the most recently changed. */
export const RECENT_TASKS = 50;

export function agentsView({ snapshot, now }: ViewInput): PaneView {
  const agents = snapshot.town.agents;
  return {
    id: 'agents', title: `Town agents (${agents.length})`,
    headers: ['NAME', 'STATE', 'TASK', 'ROUNDS', 'INBOX', 'HEARTBEAT'],
    rows: agents.map((a) => ({
      key: a.id,
      cells: [a.name, a.state, shortId(a.current_task), String(a.rounds_completed), a.urgent_len > 0 ? `${a.inbox_len} (${a.urgent_len}!)` : String(a.inbox_len), heartbeat(a.state, ms(a.last_heartbeat), now)],
      target: { pane: 'agents', id: a.id, name: a.name },
    })),
    empty: 'No town agents yet. `tt spawn <name>` starts one.',
  };
}

/** Past this, a working agent's silence means trouble (Tinytown's stale_after, 120 s). */
export const STALE_AFTER_MS = 120_000;

/**
 * A heartbeat read against what it should be: only a working agent beats, so an idle one's age
 * says when it was last seen, not that it is dead; a working one silent too long is "stale".
 */
export function heartbeat(state: string, at: number | undefined, now: number): string {
  const seen = age(at, now);
  if (at === undefined) return seen;
  if (state === 'Working') return now - at > STALE_AFTER_MS ? `stale ${seen}` : seen;
  return `${state === 'Idle' ? 'idle, ' : ''}seen ${seen}`;
}

export function tasksView({ snapshot, now }: ViewInput): PaneView {
  const tasks = snapshot.tasks ?? [];
  const agents = snapshot.town.agents;
  const counts = TASK_STATES.map((s) => [s, tasks.filter((t) => t.state === s).length] as const).filter(([, n]) => n > 0);
  const recent = [...tasks].sort((a, b) => (ms(b.updated_at) ?? 0) - (ms(a.updated_at) ?? 0)).slice(0, RECENT_TASKS);
  const nameOf = (id: string | null) => (id === null ? '-' : agents.find((a) => a.id === id)?.name ?? shortId(id));
  return {
    id: 'tasks', title: `Tasks (${tasks.length})`,
    summary: counts.length === 0 ? undefined : counts.map(([s, n]) => `${s} ${n}`).join(' · '),
    headers: ['ID', 'STATE', 'AGENT', 'AGE', 'DESCRIPTION'],
    rows: recent.map((t) => ({
      key: t.id,
      cells: [shortId(t.id), t.state, nameOf(t.assigned_to), age(ms(t.updated_at), now), t.description],
      target: { pane: 'tasks', id: t.id },
    })),
    empty: snapshot.tasks === undefined ? 'Tasks not loaded.' : 'No tasks. `tt backlog add <text>` adds one.',
  };
}

export function durableView({ snapshot }: ViewInput): PaneView {
  const agents = snapshot.durableAgents;
  return {
    id: 'durable', title: `Durable agents (${agents.length})`,
    headers: ['COMPONENT', 'AGENT', 'STATUS', 'PENDING'],
    rows: agents.map((a) => ({
      key: `${a.componentId}/${a.agent}`,
      cells: [a.component, a.agent, a.status, String(a.pending)],
      target: { pane: 'durable', component: a.component, agent: a.agent },
    })),
    empty: 'No durable agents.',
  };
}

export function jobsView({ snapshot, jobNodes, now }: ViewInput): PaneView {
  const counts = Object.entries(snapshot.jobCounts).map(([k, v]) => `${k} ${v}`).join(' · ');
  return {
    id: 'jobs', title: `Jobs (${snapshot.jobs.length} recent)`,
    summary: counts || undefined,
    headers: ['ID', 'NAME', 'STATE', 'NODE', 'AGE'],
    rows: snapshot.jobs.map((j) => ({
      key: j.ID,
      cells: [shortId(j.ID), j.Name === j.ID ? '-' : j.Name, j.State.StateType, jobNodes[j.ID] ? shortId(jobNodes[j.ID]) : '-', age(j.CreateTime / 1e6, now)],
      target: { pane: 'jobs', id: j.ID, name: j.Name },
    })),
    empty: 'No jobs',
  };
}

export function servicesView({ snapshot }: ViewInput): PaneView {
  return {
    id: 'services', title: `Services (${snapshot.services.length})`,
    headers: ['SERVICE', 'STATE', 'VERSION'],
    rows: snapshot.services.map((v) => ({
      key: v.id,
      cells: [`${v.domain}/${v.service}`, v.state, v.version.slice(0, 12)],
      target: { pane: 'services', id: v.id },
    })),
    empty: 'No services.',
  };
}

const VIEWS: Record<PaneId, (input: ViewInput) => PaneView> = {
  agents: agentsView, tasks: tasksView, durable: durableView, jobs: jobsView, services: servicesView,
};

/** A pane's view with its rows filtered by `filter` (case-insensitive, any cell). */
export function paneView(pane: PaneId, input: ViewInput, filter = ''): PaneView {
  const view = VIEWS[pane](input);
  return { ...view, rows: filterRows(view.rows, filter) };
}

export function filterRows(rows: readonly Row[], filter: string): Row[] {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return [...rows];
  return rows.filter((r) => r.cells.some((c) => c.toLowerCase().includes(needle)));
}

/** The first visible row so that `selected` shows in `visible` lines. */
export function scrollStart(selected: number, visible: number, total: number): number {
  if (visible <= 0 || total <= visible) return 0;
  return Math.max(0, Math.min(selected - visible + 1, total - visible));
}
