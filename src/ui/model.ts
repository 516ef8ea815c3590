import type { TahoEvent } from '../client/contract.js';
import type { StatusSnapshot } from '../client/status.js';
import { type EventMark, WINDOW_MS, markOf, prune } from './metrics.js';
import { PANES, type PaneId, type Target, paneView } from './panes/views.js';

/** The dashboard's whole state; `reduce` is the only thing that changes it (pure). */
export type Connection = 'connecting' | 'live' | 'reconnecting';

export type Overlay =
  | { readonly kind: 'text'; readonly title: string; readonly status: 'loading' | 'ready' | 'error'; readonly lines: readonly string[] }
  | { readonly kind: 'confirm'; readonly action: 'kill' | 'stop'; readonly target: Target; readonly question: string };

export type { ServerInfo } from '../client/contract.js';
import type { ServerInfo } from '../client/contract.js';

export interface DashboardState {
  readonly snapshot: StatusSnapshot | undefined;
  readonly jobNodes: Readonly<Record<string, string>>;
  /** The last snapshot fetch failed with this (the last good snapshot stays on screen). */
  readonly loadError: string | undefined;
  readonly connection: Connection;
  readonly lastEventId: number | undefined;
  readonly marks: readonly EventMark[];
  readonly server: ServerInfo & { readonly at?: number | undefined };
  readonly pane: PaneId;
  readonly selected: Readonly<Record<PaneId, number>>;
  readonly filter: string;
  /** `/` was pressed: keys go to the filter until enter or escape. */
  readonly filtering: boolean;
  readonly overlay: Overlay | undefined;
  /** A one-line message under the panes (what `k` did, why a key did nothing). */
  readonly notice: string | undefined;
  readonly now: number;
}

export function initialState(now: number): DashboardState {
  return {
    snapshot: undefined, jobNodes: {}, loadError: undefined, connection: 'connecting', lastEventId: undefined, marks: [],
    server: {}, pane: 'agents', selected: { agents: 0, tasks: 0, durable: 0, jobs: 0, services: 0 },
    filter: '', filtering: false, overlay: undefined, notice: undefined, now,
  };
}

export type Action =
  | { readonly type: 'snapshot'; readonly snapshot: StatusSnapshot; readonly jobNodes?: Readonly<Record<string, string>> | undefined }
  | { readonly type: 'loadError'; readonly message: string }
  | { readonly type: 'event'; readonly event: TahoEvent; readonly now: number }
  /** Events that arrived together (a replay after a reconnect comes in bursts). */
  | { readonly type: 'events'; readonly events: readonly TahoEvent[]; readonly now: number }
  | { readonly type: 'connection'; readonly connection: Connection }
  | { readonly type: 'server'; readonly info: ServerInfo; readonly now: number }
  | { readonly type: 'overlay'; readonly overlay: Overlay | undefined }
  | { readonly type: 'notice'; readonly text: string | undefined }
  | { readonly type: 'tick'; readonly now: number };

/** Cap on kept marks: a burst of events never grows the state without bound. */
const MAX_MARKS = 20_000;

export function reduce(state: DashboardState, action: Action): DashboardState {
  switch (action.type) {
    case 'snapshot':
      return clampSelection({ ...state, snapshot: action.snapshot, jobNodes: action.jobNodes ?? state.jobNodes, loadError: undefined });
    case 'loadError':
      return { ...state, loadError: action.message };
    case 'event':
      return reduce(state, { type: 'events', events: [action.event], now: action.now });
    case 'events': {
      let last = state.lastEventId;
      let dispatcher = state.server.dispatcher;
      const added: EventMark[] = [];
      const start = action.now - WINDOW_MS;
      for (const e of action.events) {
        if (last !== undefined && e.id <= last) continue;
        last = e.id;
        dispatcher = dispatcherOf(e) ?? dispatcher;
        const m = markOf(e, action.now);
        // Old events (replayed on connect) only move the resume point; the strip shows the last minute.
        if (m.at > start) added.push(m);
      }
      if (last === state.lastEventId) return state;
      const marks = added.length === 0 ? state.marks : [...state.marks, ...added];
      return {
        ...state, lastEventId: last, connection: 'live', now: action.now,
        marks: marks.length > MAX_MARKS ? marks.slice(marks.length - MAX_MARKS) : marks,
        server: dispatcher === state.server.dispatcher ? state.server : { ...state.server, dispatcher },
      };
    }
    case 'connection':
      return { ...state, connection: action.connection };
    case 'server':
      return { ...state, server: { ...state.server, ...definedOnly(action.info), at: action.now } };
    case 'overlay':
      return { ...state, overlay: action.overlay };
    case 'notice':
      return { ...state, notice: action.text };
    case 'tick':
      return { ...state, now: action.now, marks: prune(state.marks, action.now) };
  }
}

function definedOnly(info: ServerInfo): ServerInfo {
  return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined)) as ServerInfo;
}

/** A town event that carries the dispatcher's state (`dispatcher` type, or a `dispatcher` field). */
function dispatcherOf(e: TahoEvent): string | undefined {
  if (e.kind !== 'town') return undefined;
  const d = e.data['dispatcher'] ?? (/dispatcher/i.test(e.type) ? e.data['state'] : undefined);
  return typeof d === 'string' ? d : undefined;
}

/** Rows of the focused pane as the user sees them (filtered). */
export function visibleRows(state: DashboardState, pane: PaneId = state.pane) {
  if (state.snapshot === undefined) return [];
  return paneView(pane, { snapshot: state.snapshot, jobNodes: state.jobNodes, now: state.now }, state.filter).rows;
}

export function selectedTarget(state: DashboardState): Target | undefined {
  return visibleRows(state)[state.selected[state.pane]]?.target;
}

function clampSelection(state: DashboardState): DashboardState {
  const selected = { ...state.selected };
  for (const p of PANES) selected[p] = Math.max(0, Math.min(selected[p], visibleRows(state, p).length - 1));
  return { ...state, selected };
}

/** What a key asks the container to do beyond changing state. */
export type Command =
  | { readonly kind: 'quit' }
  | { readonly kind: 'details'; readonly target: Target }
  | { readonly kind: 'explain'; readonly target: Target }
  | { readonly kind: 'kill'; readonly target: Target }
  | { readonly kind: 'stop'; readonly target: Target }
  | { readonly kind: 'refresh' };

/** The parts of ink's Key the dashboard reads. */
export interface KeyInfo {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly ctrl?: boolean;
  readonly shift?: boolean;
  readonly tab?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly meta?: boolean;
}

export interface KeyResult {
  readonly state: DashboardState;
  readonly command?: Command | undefined;
}

/** A key press: the new state and what (if anything) to do (pure). */
export function handleKey(state: DashboardState, input: string, key: KeyInfo): KeyResult {
  if (key.ctrl && input === 'c') return { state, command: { kind: 'quit' } };
  const s = state.notice === undefined ? state : { ...state, notice: undefined };
  if (s.filtering) return { state: filterKey(s, input, key) };
  const overlay = s.overlay;
  if (overlay?.kind === 'confirm') {
    if (input === 'y' || input === 'Y') {
      return { state: { ...s, overlay: undefined }, command: { kind: overlay.action, target: overlay.target } };
    }
    if (input === 'n' || input === 'N' || key.escape || input === 'q') return { state: { ...s, overlay: undefined, notice: 'cancelled' } };
    return { state: s };
  }
  if (overlay !== undefined) {
    if (key.escape || key.return || input === 'e' || key.backspace) return { state: { ...s, overlay: undefined } };
    if (input === 'q') return { state: s, command: { kind: 'quit' } };
    return { state: s };
  }
  if (input === 'q') return { state: s, command: { kind: 'quit' } };
  if (key.tab && key.shift) return { state: movePane(s, -1) };
  if (key.tab || key.rightArrow) return { state: movePane(s, 1) };
  if (key.leftArrow) return { state: movePane(s, -1) };
  if (key.upArrow) return { state: moveRow(s, -1) };
  if (key.downArrow) return { state: moveRow(s, 1) };
  if (key.pageUp) return { state: moveRow(s, -10) };
  if (key.pageDown) return { state: moveRow(s, 10) };
  if (input === '/') return { state: { ...s, filtering: true } };
  if (key.escape && s.filter !== '') return { state: clampSelection({ ...s, filter: '' }) };
  if (input === 'r') return { state: s, command: { kind: 'refresh' } };
  const target = selectedTarget(s);
  if (key.return) return target ? { state: s, command: { kind: 'details', target } } : { state: s };
  if (input === 'e') {
    if (!target) return { state: s };
    if (target.pane === 'agents' || target.pane === 'tasks' || target.pane === 'jobs') return { state: s, command: { kind: 'explain', target } };
    return { state: { ...s, notice: 'explain works on town agents, tasks and jobs' } };
  }
  if (input === 'k') {
    if (!target) return { state: s };
    if (target.pane === 'agents') return { state: { ...s, overlay: { kind: 'confirm', action: 'kill', target, question: `Kill town agent ${target.name}? (y/n)` } } };
    if (target.pane === 'jobs') return { state: { ...s, overlay: { kind: 'confirm', action: 'stop', target, question: `Stop job ${target.name === target.id ? target.id.slice(0, 8) : target.name}? (y/n)` } } };
    return { state: { ...s, notice: 'k kills town agents and stops jobs' } };
  }
  return { state: s };
}

function filterKey(s: DashboardState, input: string, key: KeyInfo): DashboardState {
  if (key.escape) return clampSelection({ ...s, filtering: false, filter: '' });
  if (key.return) return { ...s, filtering: false };
  if (key.backspace || key.delete) return clampSelection({ ...s, filter: s.filter.slice(0, -1) });
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return s;
  // Printable text only (a paste may bring several characters at once).
  const text = [...input].filter((c) => c >= ' ' && c !== '\u007f').join('');
  if (text === '') return s;
  return resetSelection({ ...s, filter: s.filter + text });
}

function resetSelection(s: DashboardState): DashboardState {
  return { ...s, selected: { agents: 0, tasks: 0, durable: 0, jobs: 0, services: 0 } };
}

export function movePane(s: DashboardState, by: number): DashboardState {
  const i = PANES.indexOf(s.pane);
  const next = PANES[(i + by + PANES.length) % PANES.length] ?? 'agents';
  return { ...s, pane: next };
}

export function moveRow(s: DashboardState, by: number): DashboardState {
  const n = visibleRows(s).length;
  if (n === 0) return s;
  const at = Math.max(0, Math.min(n - 1, s.selected[s.pane] + by));
  return { ...s, selected: { ...s.selected, [s.pane]: at } };
}
