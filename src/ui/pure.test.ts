import { describe, expect, it } from 'vitest';
import type { TahoEvent, TownAgentStatus } from '../client/contract.js';
import type { StatusSnapshot } from '../client/status.js';
import { age, clip, duration, fitTable } from './format.js';
import { isErrorType, isTaskCompleted, markOf, metrics, prune, regroup } from './metrics.js';
import { latency as ms } from './format.js';
import { handleKey, initialState, reduce, selectedTarget, visibleRows, type DashboardState } from './model.js';
import { filterRows, paneView, scrollStart } from './panes/views.js';
import { BARS, bucketize, sparkline } from './sparkline.js';
import { tail } from './describe.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');

function agent(name: string, state: TownAgentStatus['state'], extra: Partial<TownAgentStatus> = {}): TownAgentStatus {
  return {
    id: `${name}-0000-0000`, name, nickname: null, role_id: null, parent_agent_id: null, spawn_mode: 'fresh', cli: 'echo', state,
    current_task: null, rounds_completed: 2, tasks_completed: 1, created_at: '2025-01-01T11:00:00Z', last_heartbeat: '2025-01-01T11:59:50Z',
    last_active_at: '2025-01-01T11:59:50Z', max_rounds: null, pid: null, last_exit_code: null, inbox_len: 3, urgent_len: 0, current_scope: null, ...extra,
  };
}

function snapshot(agents: TownAgentStatus[]): StatusSnapshot {
  return {
    source: 'test', at: new Date(NOW).toISOString(), town: { name: 'tt', root: '/t', redis_url: 'sqlite:///t/taho.db', agent_count: agents.length, agents },
    tasks: [], durableAgents: [], jobs: [], jobCounts: {}, services: [],
  };
}

function event(id: number, type: string, extra: Partial<TahoEvent> = {}): TahoEvent {
  return { id, kind: 'town', type, subject: 's', at: new Date(NOW - 1000).toISOString(), data: {}, ...extra };
}

describe('sparkline', () => {
  it('scales to the largest value, zero is the lowest bar, any event is visible', () => {
    expect(sparkline([0, 1, 7, 14])).toBe('▁▂▅█');
    expect(sparkline([1, 100])).toBe('▂█');
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
    expect(sparkline([])).toBe('');
  });
  it('draws the last `width` values, padding on the left', () => {
    expect(sparkline([5, 0, 0, 5], 2)).toBe('▁█');
    expect(sparkline([5], 3)).toBe('▁▁█');
    expect([...sparkline([3, 2, 1, 0], 4)].every((c) => BARS.includes(c))).toBe(true);
  });
  it('bucketizes timestamps over a window, oldest first', () => {
    expect(bucketize([NOW - 59_000, NOW - 1, NOW, NOW - 61_000, NOW + 5], NOW, 60_000, 6)).toEqual([1, 0, 0, 0, 0, 2]);
  });
});

describe('metrics', () => {
  it('tells errors and completed tasks', () => {
    expect(['failed', 'Failed', 'error', 'task.failed', 'round_error'].every(isErrorType)).toBe(true);
    expect(['completed', 'Running', 'invoked'].some(isErrorType)).toBe(false);
    expect(isTaskCompleted({ kind: 'town', type: 'task.completed', data: {} })).toBe(true);
    expect(isTaskCompleted({ kind: 'town', type: 'completed', data: { task_id: 'x' } })).toBe(true);
    expect(isTaskCompleted({ kind: 'job', type: 'Completed', data: {} })).toBe(false);
  });
  it('computes rates over the last minute', () => {
    const marks = [
      markOf(event(1, 'task.completed'), NOW),
      markOf(event(2, 'Running', { kind: 'job' }), NOW),
      markOf(event(3, 'Failed', { kind: 'job' }), NOW),
      markOf(event(4, 'spawned', { at: new Date(NOW - 120_000).toISOString() }), NOW),
    ];
    const m = metrics(marks, NOW, 10);
    expect(m.map((x) => [x.label, x.value])).toEqual([['invocations/s', '0'], ['tasks done/min', '1.0'], ['jobs/s', '0.0'], ['p50/p99', '-'], ['errors', '1']]);
    expect(m[2]?.series?.at(-1)).toBe(2);
    expect(m[3]?.series).toBeUndefined();
    expect(prune(marks, NOW)).toHaveLength(3);
  });
  it('counts invocations from durable agents\' events when the server gives no counts of its own', () => {
    const marks = [1, 2, 3].map((i) => markOf(event(i, i === 3 ? 'failed' : 'invoked', { kind: 'agent' }), NOW));
    const m = metrics(marks, NOW, 6);
    expect(m.map((x) => [x.label, x.value])).toEqual([['invocations/s', '0.1'], ['tasks done/min', '0'], ['jobs/s', '0'], ['p50/p99', '-'], ['errors', '1']]);
    expect(m[0]?.series).toEqual([0, 0, 0, 0, 0, 3]);
  });
  it('takes invocations, their latency and their errors from the server\'s counts, without counting an agent\'s failure twice', () => {
    const perSecond = Array.from({ length: 60 }, (_, i) => (i >= 50 ? 120 : 0)); // 1 200 calls in the last 10 s
    const errorsPerSecond = Array.from({ length: 60 }, (_, i) => (i === 59 ? 2 : 0)); // one of them an agent's, also an event
    const marks = [markOf(event(1, 'failed', { kind: 'agent' }), NOW), markOf(event(2, 'Failed', { kind: 'job' }), NOW)];
    const m = metrics(marks, NOW, 6, undefined, { windowS: 60, perSecond, errorsPerSecond, p50Ms: 0.3125, p99Ms: 2.4 });
    expect(m.map((x) => [x.label, x.value])).toEqual([['invocations/s', '20'], ['tasks done/min', '0'], ['jobs/s', '0.0'], ['p50/p99', '0.31/2.4 ms'], ['errors', '3']]);
    expect(m[0]?.series).toEqual([0, 0, 0, 0, 0, 1200]);
    expect(m[4]?.series).toEqual([0, 0, 0, 0, 0, 3]);
    expect(regroup([1, 2, 3, 4, 5, 6], 3)).toEqual([3, 7, 11]);
    expect([ms(0.084), ms(3.21), ms(35.4), ms(1234)]).toEqual(['0.08 ms', '3.2 ms', '35 ms', '1.2 s']);
  });
  it('never puts an event in the future', () => {
    expect(markOf(event(1, 'x', { at: new Date(NOW + 60_000).toISOString() }), NOW).at).toBe(NOW);
  });
});

describe('format', () => {
  it('ages, durations, clipping and tables', () => {
    expect(age(NOW - 5_000, NOW)).toBe('5s');
    expect(age(NOW - 5 * 60_000, NOW)).toBe('5m');
    expect(age(undefined, NOW)).toBe('-');
    expect(duration(3725)).toBe('1h 02m');
    expect(clip('abcdef', 4)).toBe('abc…');
    const t = fitTable(['A', 'LONG'], [['x', 'a very long description']], 12);
    expect(t.header).toBe('A  LONG');
    expect(t.lines[0]).toBe('x  a very l…');
    expect(tail('1\n2\n3\n', 2)).toEqual(['2', '3']);
  });
});

describe('views, filter and selection', () => {
  const s = snapshot([agent('alice', 'Working', { current_task: 'abcdef12-x' }), agent('bob', 'Idle'), agent('carol', 'Error')]);
  it('builds the agents pane', () => {
    const v = paneView('agents', { snapshot: s, jobNodes: {}, now: NOW });
    expect(v.rows.map((r) => r.cells)).toEqual([
      ['alice', 'Working', 'abcdef12', '2', '3', '10s'],
      ['bob', 'Idle', '-', '2', '3', 'idle, seen 10s'],
      ['carol', 'Error', '-', '2', '3', 'seen 10s'],
    ]);
  });
  it('filters rows by any cell, case-insensitive', () => {
    const rows = paneView('agents', { snapshot: s, jobNodes: {}, now: NOW }).rows;
    expect(filterRows(rows, 'IDLE').map((r) => r.cells[0])).toEqual(['bob']);
    expect(filterRows(rows, '  ')).toHaveLength(3);
  });
  it('scrolls to keep the selection visible', () => {
    expect(scrollStart(0, 3, 10)).toBe(0);
    expect(scrollStart(5, 3, 10)).toBe(3);
    expect(scrollStart(9, 3, 10)).toBe(7);
    expect(scrollStart(2, 5, 3)).toBe(0);
  });
});

describe('model', () => {
  const base = (): DashboardState => reduce(initialState(NOW), { type: 'snapshot', snapshot: snapshot([agent('alice', 'Working'), agent('bob', 'Idle'), agent('carol', 'Idle')]) });
  const key = (s: DashboardState, input: string, k: Record<string, boolean> = {}) => handleKey(s, input, k);

  it('moves between rows and panes, clamped and wrapping', () => {
    let s = base();
    s = key(s, '', { downArrow: true }).state;
    s = key(s, '', { downArrow: true }).state;
    s = key(s, '', { downArrow: true }).state;
    expect(s.selected.agents).toBe(2);
    expect(selectedTarget(s)).toMatchObject({ pane: 'agents', name: 'carol' });
    expect(key(s, '', { tab: true }).state.pane).toBe('tasks');
    expect(key(s, '', { rightArrow: true }).state.pane).toBe('tasks');
    expect(key(s, '', { tab: true, shift: true }).state.pane).toBe('services');
    expect(key(s, '', { leftArrow: true }).state.pane).toBe('services');
  });
  it('filters with / until enter; escape clears', () => {
    let s = base();
    s = key(s, '/').state;
    expect(s.filtering).toBe(true);
    for (const c of 'bo') s = key(s, c).state;
    expect(visibleRows(s).map((r) => r.cells[0])).toEqual(['bob']);
    s = key(s, '', { return: true }).state;
    expect(s.filtering).toBe(false);
    expect(s.filter).toBe('bo');
    expect(key(s, 'q').command).toEqual({ kind: 'quit' });
    s = key(s, '', { escape: true }).state;
    expect(s.filter).toBe('');
  });
  it('asks before killing; y kills, n cancels', () => {
    const s = key(base(), 'k').state;
    expect(s.overlay).toMatchObject({ kind: 'confirm', action: 'kill', question: 'Kill town agent alice? (y/n)' });
    expect(key(s, 'y').command).toEqual({ kind: 'kill', target: { pane: 'agents', id: 'alice-0000-0000', name: 'alice' } });
    const no = key(s, 'n');
    expect(no.command).toBeUndefined();
    expect(no.state.overlay).toBeUndefined();
  });
  it('explain, details, quit', () => {
    expect(key(base(), 'e').command).toMatchObject({ kind: 'explain', target: { name: 'alice' } });
    expect(key(base(), '', { return: true }).command).toMatchObject({ kind: 'details' });
    expect(key(base(), 'c', { ctrl: true }).command).toEqual({ kind: 'quit' });
    const onServices = key(base(), '', { tab: true, shift: true }).state;
    expect(key(onServices, 'k').command).toBeUndefined();
  });
  it('events: remembered once, in order; the dispatcher state is picked up', () => {
    let s = base();
    s = reduce(s, { type: 'event', event: event(5, 'dispatcher', { data: { state: 'running' } }), now: NOW });
    s = reduce(s, { type: 'event', event: event(5, 'dup'), now: NOW });
    expect(s.lastEventId).toBe(5);
    expect(s.marks).toHaveLength(1);
    expect(s.server.dispatcher).toBe('running');
    expect(s.connection).toBe('live');
  });
  it('a smaller snapshot clamps the selection', () => {
    let s = base();
    s = key(key(s, '', { downArrow: true }).state, '', { downArrow: true }).state;
    s = reduce(s, { type: 'snapshot', snapshot: snapshot([agent('alice', 'Idle')]) });
    expect(s.selected.agents).toBe(0);
  });
});
