import { Box, Text, render, useApp, useInput, useStdin, useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client, TahoEvent } from '../client/contract.js';
import { durableLines, explanationLines, errorText, jobExplanationLines, jobLines, tail, taskLines } from './describe.js';
import { Header } from './header.js';
import { HelpLine } from './help-line.js';
import { loadStatus } from './load.js';
import { MetricsStrip } from './metrics-strip.js';
import { type Action, type Command, type DashboardState, type ServerInfo, handleKey, initialState, reduce } from './model.js';
import { TextBox } from './overlay.js';
import { Pane } from './panes/pane.js';
import { PANES, type PaneId, type Target, paneView } from './panes/views.js';
import { followEvents } from './stream.js';

export interface DashboardProps {
  readonly client: Client;
  /** Where the data comes from (the header says it). */
  readonly source: string;
  /** Uptime and readiness of the server, when it can be asked (called with each refresh). */
  readonly serverInfo?: (() => Promise<ServerInfo>) | undefined;
  /** Wait between reconnect attempts (default 1 s). */
  readonly retryMs?: number | undefined;
  /** Events arriving within this time cause one snapshot refresh (default 100 ms). */
  readonly debounceMs?: number | undefined;
  /** How often ages and sparklines move on (default 1 s). */
  readonly tickMs?: number | undefined;
  /** How often the server's invocation counts are sampled (default 2 s). */
  readonly statsMs?: number | undefined;
  /** False for NO_COLOR or --no-color: no colors, and the selection marked with › instead of reverse video. */
  readonly color?: boolean | undefined;
  /** The terminal's size, when not the stdout's own (tests). */
  readonly size?: { readonly columns: number; readonly rows: number } | undefined;
}

/** State kept in a ref (keys read the latest, even two in one tick) with a render on each change. */
function useStore(init: () => DashboardState) {
  const ref = useRef<DashboardState | undefined>(undefined);
  ref.current ??= init();
  const [, setVersion] = useState(0);
  const set = useCallback((next: DashboardState) => {
    if (next === ref.current) return;
    ref.current = next;
    setVersion((v) => v + 1);
  }, []);
  const dispatch = useCallback((action: Action) => set(reduce(ref.current as DashboardState, action)), [set]);
  return { ref: ref as { current: DashboardState }, set, dispatch };
}

function useTerminalSize(fixed?: { readonly columns: number; readonly rows: number }) {
  const { stdout } = useStdout();
  const read = () => fixed ?? { columns: stdout.columns || 100, rows: stdout.rows || 40 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** `tt status` live: the snapshot, refreshed when events arrive, with keys to look closer and act. */
export function Dashboard({ client, source, serverInfo, retryMs = 1000, debounceMs = 100, tickMs = 1000, statsMs = 2000, size, color = true }: DashboardProps) {
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize(size);
  const { ref, set, dispatch } = useStore(() => initialState(Date.now()));
  const refresh = useRef<() => void>(() => {});
  const overlaySeq = useRef(0);
  const state = ref.current;

  useEffect(() => {
    const ac = new AbortController();
    const known = new Map<string, readonly [number, string]>();
    let timer: NodeJS.Timeout | undefined;
    let retry: NodeJS.Timeout | undefined;
    let inFlight = false;
    let dirty = false;
    const load = async () => {
      if (inFlight) {
        dirty = true;
        return;
      }
      inFlight = true;
      try {
        const [loaded, info] = await Promise.all([
          loadStatus(client, source, known),
          serverInfo ? serverInfo().catch(() => undefined) : Promise.resolve(undefined),
        ]);
        if (ac.signal.aborted) return;
        dispatch({ type: 'snapshot', snapshot: loaded.snapshot, jobNodes: loaded.jobNodes });
        if (info) dispatch({ type: 'server', info, now: Date.now() });
      } catch (err) {
        if (!ac.signal.aborted) {
          dispatch({ type: 'loadError', message: `Could not load the status: ${errorText(err)}` });
          // The server may be back before its stream says so: try again.
          clearTimeout(retry);
          retry = setTimeout(() => void load(), retryMs);
        }
      } finally {
        inFlight = false;
        if (dirty && !ac.signal.aborted) {
          dirty = false;
          schedule();
        }
      }
    };
    const schedule = () => {
      if (timer !== undefined || ac.signal.aborted) return;
      timer = setTimeout(() => {
        timer = undefined;
        void load();
      }, debounceMs);
    };
    refresh.current = () => void load();
    void load();
    let down = false;
    // Events are applied in batches (one render for a burst, e.g. the replay after a reconnect).
    let batch: TahoEvent[] = [];
    let flush: NodeJS.Timeout | undefined;
    void followEvents(client, {
      signal: ac.signal, retryMs,
      onEvent: (event) => {
        batch.push(event);
        flush ??= setTimeout(() => {
          flush = undefined;
          const events = batch;
          batch = [];
          if (!ac.signal.aborted) dispatch({ type: 'events', events, now: Date.now() });
        }, 16);
        schedule();
      },
      onConnection: (connection) => {
        dispatch({ type: 'connection', connection });
        if (connection === 'reconnecting') down = true;
        else if (connection === 'live' && down) {
          // Back after a drop: what changed meanwhile may not all be in the replayed events.
          down = false;
          schedule();
        }
      },
    });
    const tick = setInterval(() => dispatch({ type: 'tick', now: Date.now() }), tickMs);
    // Invocation counts are sampled, not streamed: services' calls are too many to be events.
    const sample = serverInfo ? setInterval(() => {
      serverInfo().then((info) => {
        if (!ac.signal.aborted) dispatch({ type: 'server', info, now: Date.now() });
      }, () => undefined);
    }, statsMs) : undefined;
    return () => {
      ac.abort();
      clearTimeout(timer);
      clearTimeout(retry);
      clearTimeout(flush);
      clearInterval(tick);
      clearInterval(sample);
    };
  }, [client, source]);

  const bodyHeight = Math.max(5, rows - 1 - 3);

  const showText = (title: string, fetch: () => Promise<string[]>) => {
    const seq = ++overlaySeq.current;
    dispatch({ type: 'overlay', overlay: { kind: 'text', title, status: 'loading', lines: [] } });
    fetch().then(
      (lines) => {
        if (seq === overlaySeq.current && ref.current.overlay?.kind === 'text') dispatch({ type: 'overlay', overlay: { kind: 'text', title, status: 'ready', lines } });
      },
      (err: unknown) => {
        if (seq === overlaySeq.current && ref.current.overlay?.kind === 'text') dispatch({ type: 'overlay', overlay: { kind: 'text', title, status: 'error', lines: errorText(err).split('\n') } });
      },
    );
  };

  const act = (label: string, done: string, call: () => Promise<unknown>) => {
    dispatch({ type: 'notice', text: `${label}…` });
    call().then(
      () => {
        dispatch({ type: 'notice', text: done });
        refresh.current();
      },
      (err: unknown) => dispatch({ type: 'notice', text: `${label} failed: ${errorText(err)}` }),
    );
  };

  const run = (command: Command) => {
    const lines = Math.max(3, bodyHeight - 3);
    switch (command.kind) {
      case 'quit':
        exit();
        return;
      case 'refresh':
        refresh.current();
        return;
      case 'details':
        showText(detailsTitle(command.target), () => details(client, ref.current, command.target, lines));
        return;
      case 'explain':
        showText(`explain ${label(command.target)}`, async () => (command.target.pane === 'jobs'
          ? jobExplanationLines(await client.explainJob(command.target.id))
          : explanationLines(await client.explain(command.target.pane === 'agents' ? command.target.name : targetId(command.target)), Date.now())));
        return;
      case 'kill':
        if (command.target.pane === 'agents') {
          const name = command.target.name;
          act(`killing ${name}`, `killed ${name}`, () => client.killAgent(name));
        }
        return;
      case 'stop':
        if (command.target.pane === 'jobs') {
          const id = command.target.id;
          act(`stopping job ${label(command.target)}`, `stopped job ${label(command.target)}`, () => client.stopJob(id, 'stopped from tt status'));
        }
        return;
    }
  };

  useInput((input, key) => {
    const r = handleKey(ref.current, input, key);
    set(r.state);
    if (r.command) run(r.command);
  }, { isActive: isRawModeSupported === true });

  const overlay = state.overlay;
  return (
    <Box flexDirection="column" width={columns} height={rows - 1}>
      <Header source={source} town={state.snapshot?.town.name} connection={state.loadError && state.connection === 'live' ? 'reconnecting' : state.connection} server={state.server} now={state.now} width={columns} />
      <MetricsStrip marks={state.marks} now={state.now} width={columns} server={state.server.invocations} />
      {overlay?.kind === 'text' ? (
        <TextBox title={overlay.title} status={overlay.status} lines={overlay.lines} width={columns} height={bodyHeight} />
      ) : state.snapshot === undefined ? (
        <Box width={columns} height={bodyHeight} borderStyle="round" borderColor={state.loadError ? 'red' : 'gray'} paddingX={1}>
          <Text {...(state.loadError ? { color: 'red' } : {})} wrap="wrap">{state.loadError ?? 'Loading…'}</Text>
        </Box>
      ) : (
        <Panes state={state} width={columns} height={bodyHeight} color={color} />
      )}
      <HelpLine
        width={columns} filtering={state.filtering} filter={state.filter}
        question={overlay?.kind === 'confirm' ? overlay.question : undefined}
        notice={state.notice} error={state.snapshot === undefined ? undefined : state.loadError}
      />
    </Box>
  );
}

/** Below this size the five panes cannot each show rows: two are shown, the focused one among them. */
export const FULL_LAYOUT = { columns: 100, rows: 30 } as const;

/**
 * The five panes: town agents across the top, then tasks | jobs and durable agents | services.
 * On a smaller terminal (80×24), the town agents and the focused pane (tab moves on), each with
 * room for rows; the heights always add up to the body, so boxes never overlap.
 */
function Panes({ state, width, height, color }: { state: DashboardState; width: number; height: number; color: boolean }) {
  const snapshot = state.snapshot;
  if (snapshot === undefined) return null;
  const input = { snapshot, jobNodes: state.jobNodes, now: state.now };
  const pane = (id: PaneId, w: number, h: number) => (
    <Pane key={id} view={paneView(id, input, state.filter)} width={w} height={h} focused={state.pane === id} selected={state.selected[id]} filter={state.filter} color={color} />
  );
  if (width < FULL_LAYOUT.columns || height + 4 < FULL_LAYOUT.rows) {
    const second: PaneId = state.pane === 'agents' ? 'tasks' : state.pane;
    const top = Math.floor(height / 2);
    const others = PANES.filter((id) => id !== 'agents' && id !== second).join(', ');
    return (
      <Box flexDirection="column" width={width} height={height}>
        {pane('agents', width, top)}
        {pane(second, width, height - top - 1)}
        <Text dimColor wrap="truncate">{`tab: ${others}`}</Text>
      </Box>
    );
  }
  const top = Math.max(5, Math.floor(height * 0.4));
  const second = Math.ceil((height - top) / 2);
  const third = height - top - second;
  const left = Math.floor(width / 2);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {pane('agents', width, top)}
      <Box>{pane('tasks', left, second)}{pane('jobs', width - left, second)}</Box>
      <Box>{pane('durable', left, third)}{pane('services', width - left, third)}</Box>
    </Box>
  );
}

function targetId(t: Target): string {
  switch (t.pane) {
    case 'agents': return t.name;
    case 'durable': return `${t.component}/${t.agent}`;
    default: return t.id;
  }
}

function label(t: Target): string {
  switch (t.pane) {
    case 'agents': return `agent ${t.name}`;
    case 'tasks': return `task ${t.id.slice(0, 8)}`;
    case 'jobs': return t.name && t.name !== t.id ? `${t.name} (${t.id.slice(0, 8)})` : t.id.slice(0, 8);
    case 'durable': return `${t.component}/${t.agent}`;
    case 'services': return `service ${t.id}`;
  }
}

function detailsTitle(t: Target): string {
  switch (t.pane) {
    case 'agents': return `agent ${t.name}: last round log`;
    case 'jobs': return `job ${label(t)}: executions and stdout`;
    default: return label(t);
  }
}

async function details(client: Client, state: DashboardState, t: Target, lines: number): Promise<string[]> {
  switch (t.pane) {
    case 'agents': {
      const log = await client.roundLog(t.name);
      return log.trim() === '' ? ['(the last round wrote nothing)'] : tail(log, lines);
    }
    case 'jobs':
      return jobLines(await client.describeJob(t.id), Math.max(3, lines - 10));
    case 'tasks': {
      const task = await client.task(t.id);
      const agent = state.snapshot?.town.agents.find((a) => a.id === task.assigned_to);
      return taskLines(task, agent?.name);
    }
    case 'durable': {
      const a = state.snapshot?.durableAgents.find((d) => d.component === t.component && d.agent === t.agent);
      return a ? durableLines(a, Date.now()) : ['(gone)'];
    }
    case 'services': {
      const s = state.snapshot?.services.find((v) => v.id === t.id);
      if (!s) return ['(gone)'];
      return [`${s.domain}/${s.service}  ${s.state}  ${s.isolation}`, `component ${s.componentId}`, `version   ${s.version}`, '', 'methods:', ...s.methods.map((m) => `  ${m.signature}`)];
    }
  }
}

export interface RunDashboardOptions {
  readonly source: string;
  readonly color?: boolean | undefined;
  readonly serverInfo?: (() => Promise<ServerInfo>) | undefined;
}

/**
 * Full screen (the terminal's alternate screen) until q or Ctrl-C. Keys are read only when stdin
 * is a TTY; without one, SIGINT ends it.
 */
export async function runDashboard(client: Client, options: RunDashboardOptions): Promise<void> {
  const out = process.stdout;
  const alt = out.isTTY === true;
  if (alt) out.write('\u001b[?1049h\u001b[H');
  const app = render(<Dashboard client={client} source={options.source} serverInfo={options.serverInfo} color={options.color} />, { exitOnCtrlC: true, patchConsole: true });
  const onSigint = () => app.unmount();
  process.once('SIGINT', onSigint);
  try {
    await app.waitUntilExit();
  } finally {
    process.off('SIGINT', onSigint);
    app.cleanup();
    if (alt) out.write('\u001b[?1049l');
  }
}
