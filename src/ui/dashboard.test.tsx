import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentInfo, Client, Execution, Job, ServiceInfo, TahoEvent, TownAgentStatus, TownTask, WatchOptions } from '../client/contract.js';
import { Dashboard } from './dashboard.js';

/** What the fake server holds; tests change it and push events. */
interface World {
  agents: TownAgentStatus[];
  tasks: TownTask[];
  durable: AgentInfo[];
  jobs: Job[];
  services: ServiceInfo[];
}

const NOW = Date.now();
const iso = (ago: number) => new Date(NOW - ago).toISOString();

function agent(name: string, state: TownAgentStatus['state'], extra: Partial<TownAgentStatus> = {}): TownAgentStatus {
  return {
    id: `${name}-id-0000`, name, nickname: null, role_id: null, parent_agent_id: null, spawn_mode: 'fresh', cli: 'echo', state,
    current_task: null, rounds_completed: 4, tasks_completed: 2, created_at: iso(60_000), last_heartbeat: iso(3_000), last_active_at: iso(3_000),
    max_rounds: null, pid: null, last_exit_code: null, inbox_len: 1, urgent_len: 0, current_scope: null, ...extra,
  };
}

function task(id: string, state: TownTask['state'], description: string): TownTask {
  return { id, description, state, assigned_to: null, created_at: iso(9_000), updated_at: iso(5_000), started_at: null, completed_at: null, result: null, parent_id: null, tags: [] };
}

function job(id: string, name: string, state: Job['State']['StateType']): Job {
  return {
    ID: id, Name: name, Namespace: 'default', Type: 'batch', Priority: 0, Count: 1, Constraints: [], Meta: {}, Labels: {}, Tasks: [],
    State: { StateType: state }, Version: 1, Revision: 1, CreateTime: (NOW - 120_000) * 1e6, ModifyTime: NOW * 1e6,
  } as unknown as Job;
}

/** A push-driven async iterable: the fake's watch(). */
class Channel {
  #queue: TahoEvent[] = [];
  #wake: (() => void) | undefined;
  #fail: Error | undefined;
  calls: (WatchOptions | undefined)[] = [];
  push(e: TahoEvent): void {
    this.#queue.push(e);
    this.#wake?.();
  }
  /** The stream breaks (the server went away). */
  break(): void {
    this.#fail = new Error('connection reset');
    this.#wake?.();
  }
  watch(options?: WatchOptions): AsyncIterable<TahoEvent> {
    this.calls.push(options);
    const self = this;
    return (async function* () {
      for (;;) {
        const e = self.#queue.shift();
        if (e) {
          yield e;
          continue;
        }
        if (self.#fail) {
          self.#fail = undefined;
          throw new Error('connection reset');
        }
        if (options?.signal?.aborted) return;
        await new Promise<void>((resolve) => {
          self.#wake = resolve;
          options?.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        self.#wake = undefined;
      }
    })();
  }
}

function fake(world: Partial<World> = {}) {
  const w: World = { agents: [], tasks: [], durable: [], jobs: [], services: [], ...world };
  const events = new Channel();
  const client = {
    inProcess: false,
    townStatus: vi.fn(async () => ({ name: 'springfield', root: '/t', agent_count: w.agents.length, agents: w.agents })),
    tasks: vi.fn(async () => ({ tasks: w.tasks })),
    agents: vi.fn(async () => ({ items: w.durable })),
    jobs: vi.fn(async () => ({ Items: w.jobs, NextToken: '' })),
    jobCounts: vi.fn(async () => {
      const counts: Record<string, number> = {};
      for (const j of w.jobs) counts[j.State.StateType] = (counts[j.State.StateType] ?? 0) + 1;
      return counts;
    }),
    services: vi.fn(async () => w.services),
    jobExecutions: vi.fn(async (id: string): Promise<Execution[]> => [{ ID: `exec-${id}`, NodeID: 'node-abc123456', CreateTime: 1 } as unknown as Execution]),
    explain: vi.fn(async (id: string) => ({
      kind: 'agent', agent: w.agents.find((a) => a.name === id) ?? agent(id, 'Idle'), inbox: { total: 1, urgent: 0, work: 1 },
      last_heartbeat: iso(3_000), heartbeat_age_ms: 3000, process: null, current_task: null, last_round: null,
      waiting_for: [{ code: 'next_dispatch', message: `agent '${id}' is idle; the dispatcher starts it next` }],
    })),
    explainJob: vi.fn(async (id: string) => ({ JobID: id, State: 'Queued', Summary: 'waiting for a node', Nodes: [], Executions: [] })),
    killAgent: vi.fn(async (_name: string) => {}),
    stopJob: vi.fn(async (_id: string, _reason?: string) => ({ EvaluationID: 'e1' })),
    roundLog: vi.fn(async (_agent: string) => 'line 1\nline 2\nlast line of the round\n'),
    task: vi.fn(async (id: string) => w.tasks.find((t) => t.id === id) ?? task(id, 'pending', '?')),
    describeJob: vi.fn(async (id: string) => ({ Job: w.jobs.find((j) => j.ID === id) ?? job(id, id, 'Running'), Executions: { Items: [], NextToken: '' } })),
    watch: vi.fn((o?: WatchOptions) => events.watch(o)),
    close: vi.fn(async () => {}),
  };
  return { world: w, events, client, asClient: client as unknown as Client };
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** Waits until the last frame passes `check` (ink renders asynchronously). */
async function until(frame: () => string | undefined, check: (f: string) => boolean, ms = 2000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = frame() ?? '';
    if (check(f)) return f;
    if (Date.now() > end) throw new Error(`timed out; last frame:\n${f}`);
    await tick(10);
  }
}

const KEYS = { down: '\u001b[B', up: '\u001b[A', tab: '\t', enter: '\r', escape: '\u001b' };

const mounted: { unmount: () => void }[] = [];
function mount(client: Client) {
  const r = render(<Dashboard client={client} source="http://test:8080" debounceMs={5} retryMs={20} tickMs={50} />);
  mounted.push(r);
  return r;
}
afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
});

/** Sends keys one at a time (ink reads each write as one key press). */
async function press(stdin: { write: (s: string) => void }, ...keys: string[]) {
  for (const k of keys) {
    stdin.write(k);
    await tick(15);
  }
}

describe('Dashboard', () => {
  it('renders each pane with its rows, and the header', async () => {
    const f = fake({
      agents: [agent('alice', 'Working', { current_task: 'task0001-xx' }), agent('bob', 'Idle')],
      tasks: [task('task0001-xx', 'running', 'write the report'), task('task0002-xx', 'completed', 'tidy up')],
      durable: [{ component: 'shop/cart', componentId: 'c1', agent: 'cart-7', status: 'Idle', pending: 2, oplogSize: 9, createdAt: iso(1000), args: [], env: {}, memoryBytes: 0 }],
      jobs: [job('job00001-aaaa', 'nightly', 'Running')],
      services: [{ id: 'shop.cart', domain: 'shop', service: 'cart', state: 'ready', isolation: 'inline', componentId: 'c1', version: '0123456789abcdef', inFlight: 0, methods: [] }],
    });
    const { lastFrame } = mount(f.asClient);
    const frame = await until(lastFrame, (s) => s.includes('alice') && s.includes('node-abc'));
    expect(frame).toContain('town springfield');
    expect(frame).toContain('http://test:8080');
    expect(frame).toMatch(/alice\s+Working\s+task0001\s+4\s+1\s+\ds/);
    expect(frame).toMatch(/bob\s+Idle/);
    expect(frame).toContain('running 1 · completed 1');
    expect(frame).toContain('write the re');
    expect(frame).toMatch(/shop\/cart\s+cart-7\s+Idle\s+2/);
    expect(frame).toMatch(/job00001\s+nightly\s+Running\s+node-abc\s+2m/);
    expect(frame).toMatch(/shop\/cart\s+ready\s+0123456789ab/);
    expect(frame).toContain('invocations/s');
    expect(frame).toContain('q quit');
  });

  it('puts the server uptime, dispatcher, store and its latency, and auth mode in the header, and its invocation counts in the strip', async () => {
    const perSecond = Array.from({ length: 60 }, (_, i) => (i >= 54 ? 50 : 0));
    let p99 = 2.4;
    const serverInfo = async () => ({
      uptimeSecs: 3 * 3600 + 120, dispatcher: 'running', store: 'sqlite', storeLatencyMs: 0.084, auth: 'api_key',
      invocations: { windowS: 60, perSecond, errorsPerSecond: perSecond.map(() => 0), count: 300, errors: 0, p50Ms: 0.3125, p99Ms: p99 },
    });
    const r = render(<Dashboard client={fake().asClient} source="http://test:8080" serverInfo={serverInfo} debounceMs={5} retryMs={20} tickMs={50} statsMs={40} />);
    mounted.push(r);
    const frame = await until(r.lastFrame, (s) => s.includes('auth api_key'));
    // The metrics strip: the server's own invocation counts and latency, sampled again and again.
    const strip = frame.split('\n')[1] ?? '';
    expect(strip).toMatch(/^invocations\/s\s+5\.0 ▁+█/);
    expect(strip).toContain('p50/p99 0.31/2.4 ms');
    p99 = 9.5;
    await until(r.lastFrame, (s) => s.includes('p50/p99 0.31/9.5 ms'));
    const header = frame.split('\n')[0] ?? '';
    // 100 columns: the source is clipped to what is left, the connection state stays.
    expect(header).toMatch(/^taho town springfield · up 3h 02m · dispatcher running · sqlite 0\.08 ms · auth api_key · ht….*● live$/);
  });

  it('shows empty states', async () => {
    const { lastFrame } = mount(fake().asClient);
    const frame = await until(lastFrame, (s) => s.includes('No jobs'));
    expect(frame).toContain('No town agents yet');
    expect(frame).toContain('No tasks.');
    expect(frame).toContain('No services.');
  });

  it('shows the error when the snapshot cannot be fetched, without crashing', async () => {
    const f = fake();
    f.client.townStatus.mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:8080'));
    const { lastFrame } = mount(f.asClient);
    const frame = await until(lastFrame, (s) => s.includes('ECONNREFUSED'));
    expect(frame).toContain('Could not load the status');
    expect(frame).toContain('q quit');
  });

  it('updates when an event arrives: Working → Idle', async () => {
    const f = fake({ agents: [agent('alice', 'Working')] });
    const { lastFrame } = mount(f.asClient);
    await until(lastFrame, (s) => /alice\s+Working/.test(s));
    f.world.agents = [agent('alice', 'Idle')];
    f.events.push({ id: 7, kind: 'town', type: 'agent.state', subject: 'alice', at: new Date().toISOString(), data: { state: 'Idle' } });
    await until(lastFrame, (s) => /alice\s+Idle/.test(s));
    // Without the server's own counts, a durable agent's invocation event shows on the strip.
    f.events.push({ id: 8, kind: 'agent', type: 'invoked', subject: 'shop/cart/cart-7', at: new Date().toISOString(), data: { fn: 'add' } });
    await until(lastFrame, (s) => /invocations\/s\s+0\.0\s+▁*[▂-█]/.test(s));
    expect(f.client.townStatus.mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('reconnects after the stream breaks, resuming after the last event', async () => {
    const f = fake({ agents: [agent('alice', 'Idle')] });
    const { lastFrame } = mount(f.asClient);
    await until(lastFrame, (s) => s.includes('● live') && s.includes('alice'));
    f.events.push({ id: 41, kind: 'job', type: 'Running', subject: 'j', at: new Date().toISOString(), data: {} });
    await tick(30);
    f.events.break();
    await until(lastFrame, (s) => s.includes('reconnecting'));
    await until(() => String(f.client.watch.mock.calls.length), (n) => Number(n) >= 2);
    expect(f.client.watch.mock.calls.at(-1)?.[0]).toMatchObject({ after: 41 });
  });

  it('explains the selected agent after e, and closes with escape', async () => {
    const f = fake({ agents: [agent('alice', 'Idle'), agent('bob', 'Idle')] });
    const { lastFrame, stdin } = mount(f.asClient);
    await until(lastFrame, (s) => s.includes('bob'));
    await press(stdin, KEYS.down, 'e');
    const frame = await until(lastFrame, (s) => s.includes('waiting for'));
    expect(f.client.explain).toHaveBeenCalledWith('bob');
    expect(frame).toContain('explain agent bob');
    expect(frame).toContain("next_dispatch: agent 'bob' is idle");
    await press(stdin, KEYS.escape);
    await until(lastFrame, (s) => !s.includes('waiting for') && s.includes('Town agents'));
  });

  it('shows the last round log on enter', async () => {
    const f = fake({ agents: [agent('alice', 'Idle')] });
    const { lastFrame, stdin } = mount(f.asClient);
    await until(lastFrame, (s) => s.includes('alice'));
    await press(stdin, KEYS.enter);
    await until(lastFrame, (s) => s.includes('last line of the round'));
    expect(f.client.roundLog).toHaveBeenCalledWith('alice');
  });

  it('k then y kills the agent; k then n does not', async () => {
    const f = fake({ agents: [agent('alice', 'Working')] });
    const { lastFrame, stdin } = mount(f.asClient);
    await until(lastFrame, (s) => s.includes('alice'));
    await press(stdin, 'k');
    await until(lastFrame, (s) => s.includes('Kill town agent alice? (y/n)'));
    await press(stdin, 'n');
    expect(f.client.killAgent).not.toHaveBeenCalled();
    await press(stdin, 'k', 'y');
    await until(lastFrame, (s) => s.includes('killed alice'));
    expect(f.client.killAgent).toHaveBeenCalledWith('alice');
  });

  it('k on a job asks, then stops it', async () => {
    const f = fake({ jobs: [job('job00001-aaaa', 'nightly', 'Running')] });
    const { lastFrame, stdin } = mount(f.asClient);
    await until(lastFrame, (s) => s.includes('nightly'));
    await press(stdin, KEYS.tab, KEYS.tab, KEYS.tab, 'k');
    await until(lastFrame, (s) => s.includes('Stop job nightly? (y/n)'));
    await press(stdin, 'y');
    await until(() => String(f.client.stopJob.mock.calls.length), (n) => n === '1');
    expect(f.client.stopJob.mock.calls[0]?.[0]).toBe('job00001-aaaa');
  });

  it('/ filters the rows', async () => {
    const f = fake({ agents: [agent('alice', 'Idle'), agent('bob', 'Working'), agent('carol', 'Idle')] });
    const { lastFrame, stdin } = mount(f.asClient);
    await until(lastFrame, (s) => s.includes('carol'));
    await press(stdin, '/', 'w', 'o', 'r', 'k');
    const frame = await until(lastFrame, (s) => !s.includes('carol'));
    expect(frame).toContain('bob');
    expect(frame).not.toContain('alice');
    expect(frame).toContain('filter: work');
    await press(stdin, KEYS.escape);
    await until(lastFrame, (s) => s.includes('alice') && s.includes('carol'));
  });

  it('q exits', async () => {
    const f = fake();
    const r = render(<Dashboard client={f.asClient} source="x" debounceMs={5} retryMs={20} tickMs={50} />);
    await until(r.lastFrame, (s) => s.includes('No jobs'));
    let exited = false;
    // ink-testing-library exposes no waitUntilExit; the unmount shows as the watch being aborted.
    const signal = f.client.watch.mock.calls[0]?.[0]?.signal;
    signal?.addEventListener('abort', () => {
      exited = true;
    });
    await press(r.stdin, 'q');
    await until(() => String(exited), (s) => s === 'true');
    r.unmount();
  });

  describe('at 80×24, without colors, read by a person (#17 finding 6)', () => {
    const small = (client: Client, color = true) => {
      const r = render(<Dashboard client={client} source="http://test:8080" debounceMs={5} retryMs={20} tickMs={50} size={{ columns: 80, rows: 24 }} color={color} />);
      mounted.push(r);
      return r;
    };
    const world = () => fake({
      agents: [agent('alice', 'Working', { current_task: 'task0001-xx', last_heartbeat: iso(5 * 60_000) }), agent('bob', 'Idle', { last_heartbeat: iso(22 * 60_000) })],
      tasks: [{ ...task('task0001-xx', 'running', 'write the report'), assigned_to: 'alice-id-0000' }],
      durable: [{ component: 'shop/cart', componentId: 'c1', agent: 'cart-7', status: 'Idle', pending: 2, oplogSize: 9, createdAt: iso(1000), args: [], env: { TEAM: 'blue' }, memoryBytes: 0 }],
      jobs: [job('job00001-aaaa', 'nightly', 'Running')],
    });

    it('fits: fewer panes, each with its rows, nothing past 80 columns or 23 lines', async () => {
      const { lastFrame, stdin } = small(world().asClient);
      const frame = await until(lastFrame, (s) => s.includes('alice') && s.includes('write the re'));
      const lines = frame.split('\n');
      expect(lines.length).toBeLessThanOrEqual(23);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
      expect(frame).toMatch(/bob\s+Idle/);
      expect(frame).toContain('tab: durable, jobs, services');
      await press(stdin, KEYS.tab, KEYS.tab, KEYS.tab);
      const jobs = await until(lastFrame, (s) => s.includes('nightly'));
      expect(jobs).toMatch(/job00001\s+nightly\s+Running/);
      expect(jobs.split('\n').length).toBeLessThanOrEqual(23);
    });

    it('a heartbeat is read against the state: an idle agent was last seen, a silent working one is stale', async () => {
      const frame = await until(small(world().asClient).lastFrame, (s) => s.includes('bob'));
      expect(frame).toMatch(/bob\s+Idle\s+-\s+4\s+1\s+idle, seen 22m/);
      expect(frame).toMatch(/alice\s+Working\s+task0001\s+4\s+1\s+stale 5m/);
    });

    it('without colors, a › marks the selected row', async () => {
      const frame = await until(small(world().asClient, false).lastFrame, (s) => s.includes('alice'));
      expect(frame).toMatch(/› alice\s+Working/);
      expect(frame).toMatch(/ {2}bob\s+Idle/);
    });

    it('details name the agent of a task, and show a durable agent as fields', async () => {
      const { lastFrame, stdin } = small(world().asClient);
      await until(lastFrame, (s) => s.includes('write the re'));
      await press(stdin, KEYS.tab, KEYS.enter);
      const t = await until(lastFrame, (s) => s.includes('assigned to:'));
      expect(t).toMatch(/assigned to: alice/);
      await press(stdin, KEYS.escape, KEYS.tab, KEYS.enter);
      const d = await until(lastFrame, (s) => s.includes('oplog:'));
      expect(d).toMatch(/status: +Idle/);
      expect(d).toMatch(/pending: +2 invocations/);
      expect(d).toContain('TEAM=blue');
      expect(d).not.toContain('"oplogSize"');
    });
  });
});
