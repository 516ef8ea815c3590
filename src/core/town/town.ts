import { randomUUID } from 'node:crypto';
import { TahoError } from '../errors.js';
import { agentChanged, deliver, newMessage, type Emit, type TownContext } from './context.js';
import { Dispatcher, type DispatcherState } from './dispatcher.js';
import { type Explanation, explainAgent, explainTask } from './explain.js';
import type { Agent, BacklogEntry, InboxItem, MessageType, SendKind, Task, TaskState } from './model.js';
import { isDeadAgent, isTerminalTask, summarize, SUPERVISOR_ID } from './model.js';
import { orphanAction, orphans, reclaim, recover, type Orphan, type OrphanAction, type ReclaimRequest, type ReclaimResult, type RecoverResult } from './recovery.js';
import { agentOrTask, agentRef, backlogTaskId, checkAgentName, checkTaskId, findAgent, isUuid, senderId, taskNotFound, taskRef } from './refs.js';
import { Rounds, type ComponentRound } from './rounds.js';
import { isComponentAgent, runsHere, SOLO, type Placement } from './placement.js';
import { settleLostNodes, type LostAgent, type NodeLostPolicy } from './lost-nodes.js';
import { BUILTIN_PRESETS, loadExeca, type Preset } from './runner.js';
import { checkInstalled } from './installed.js';
import type { Fence, TownStore } from '../store/ports/index.js';
import { TownDraft } from './draft.js';
import { giveBack } from './give-back.js';
import { settleInterrupted, type InterruptedPolicy, type InterruptedRound } from './interrupted.js';
import * as t from './transitions.js';

export interface TownOptions {
  /** The town's state (and its events, in the same writes). */
  readonly store: TownStore;
  /** `<dataDir>/town/logs/<agent>/round-<n>.log` holds the rounds' output. */
  readonly dataDir: string;
  /** The fence of the town lease this process holds (its dispatcher's writes carry it). */
  readonly fence?: (() => Fence | undefined) | undefined;
  /** Added to (and overriding) the built-in `claude`, `codex`, `aider`, `gemini`. */
  readonly presets?: Readonly<Record<string, Preset>> | undefined;
  /** The preset of agents spawned without `cli` (Tinytown: `claude`). */
  readonly defaultCli?: string | undefined;
  /** Working directory of agent commands. */
  readonly cwd?: string | undefined;
  readonly heartbeatMs?: number | undefined;
  readonly dispatchIntervalMs?: number | undefined;
  /** recover: a round with no heartbeat for this long is stopped (Tinytown: 120 s). */
  readonly staleAfterMs?: number | undefined;
  /** kill: SIGTERM first, SIGKILL after this long. */
  readonly killGraceMs?: number | undefined;
  /** What a round left by a server that died does to its task: run it again (default) or fail it. */
  readonly interruptedRounds?: InterruptedPolicy | undefined;
  /** Bytes of a round's output kept as the task's result. */
  readonly resultBytes?: number | undefined;
  /** Told when a running round's log grows (log follows wake on it). */
  readonly onOutput?: ((agentName: string, round: number) => void) | undefined;
  /** Which agents' rounds this process runs (a cluster); default: all of them. */
  readonly placement?: Placement | undefined;
  /** What the town lease holder does with the agents of a node that died (a cluster). */
  readonly nodeLost?: NodeLostPolicy | undefined;
  /** Told of each agent of a dead node it settled. */
  readonly onNodeLost?: ((agent: LostAgent) => void) | undefined;
  /** Agents with `cli = "component:<component>[#<function>]"`: whether the component exists, and how a round runs it. */
  readonly components?: {
    readonly check: (cli: string) => void;
    readonly round: ComponentRound;
  } | undefined;
}

export interface SpawnRequest {
  readonly name: string;
  readonly cli?: string | undefined;
  readonly role_id?: string | null | undefined;
  readonly nickname?: string | null | undefined;
  readonly parent_agent_id?: string | null | undefined;
  readonly max_rounds?: number | null | undefined;
}

export interface SendRequest {
  /** Agent id or name. */
  readonly to: string;
  readonly message: string;
  /** Unknown kinds are `task`, as in Tinytown. */
  readonly kind?: string | undefined;
  /** Agent id or name, `supervisor` or `conductor`; default the supervisor. */
  readonly from?: string | undefined;
  readonly urgent?: boolean | undefined;
}

export interface AgentStatus extends Agent {
  readonly inbox_len: number;
  readonly urgent_len: number;
}

/** A page's size when the caller names none. */
export const DEFAULT_TASK_PAGE = 100;

export interface TaskQuery {
  readonly state?: TaskState | undefined;
  /** An agent's name or id. */
  readonly agent?: string | undefined;
  readonly after?: number | undefined;
  readonly limit?: number | undefined;
}

export interface TaskPage {
  readonly tasks: Task[];
  readonly next?: number | undefined;
}

export interface PendingTask {
  readonly task_id: string;
  readonly description: string;
  readonly agent_id: string;
  readonly agent_name: string;
}

const KINDS: Readonly<Record<SendKind, MessageType>> = { task: 'task', query: 'query', info: 'info', ack: 'confirmation' };

/** A change the town drafts again when another writer got there first gives up after this many tries. */
const ATTEMPTS = 50;

/**
 * The town (Tinytown's model): process agents that run one round of a CLI per task, their
 * inboxes, the backlog, and recovery. HTTP routes and CLI commands call this and nothing below it.
 * Every change is one atomic write of the store with its events (see TownDraft for how a racing
 * writer is detected); several processes may change the same town.
 */
export class Town {
  readonly dispatcher: Dispatcher;
  readonly #store: TownStore;
  readonly #ctx: TownContext;
  readonly #rounds: Rounds;
  /** One object for the town's life: Rounds reads the same one, so a reload's presets reach both. */
  readonly #presets: Record<string, Preset>;
  readonly #components: TownOptions['components'];
  #defaultCli: string;
  readonly #cwd: string;
  readonly #staleAfterMs: number;
  readonly #killGraceMs: number;
  readonly #interrupted: InterruptedPolicy;
  readonly #intervalMs: number;
  readonly #fence: () => Fence | undefined;
  readonly #placement: Placement;
  /** Agent names whose inbox was read → their ids (an agent's id never changes; a name may move to a new agent). */
  readonly #inboxIds = new Map<string, string>();
  /** Agents by name as the last change that read them found them (see TownDraft). */
  readonly #knownAgents = new Map<string, Agent>();

  constructor(options: TownOptions) {
    this.#store = options.store;
    const placement = this.#placement = options.placement ?? SOLO;
    const clustered = () => placement.node() !== undefined;
    this.#fence = options.fence ?? (() => undefined);
    this.#presets = { ...BUILTIN_PRESETS, ...options.presets };
    this.#components = options.components;
    this.#defaultCli = options.defaultCli ?? 'claude';
    this.#cwd = options.cwd ?? process.cwd();
    this.#staleAfterMs = options.staleAfterMs ?? 120_000;
    this.#killGraceMs = options.killGraceMs ?? 2_000;
    this.#interrupted = options.interruptedRounds ?? 'requeue';
    this.#intervalMs = options.dispatchIntervalMs ?? 250;
    const store = this.#store;
    this.#ctx = { store, now: () => new Date().toISOString(), write: (fn, o) => this.#write(fn, o?.fenced === true) };
    this.#rounds = new Rounds(
      this.#ctx,
      {
        dataDir: options.dataDir, cwd: this.#cwd, presets: this.#presets, heartbeatMs: options.heartbeatMs ?? 5_000, resultBytes: options.resultBytes ?? 4096,
        killGraceMs: this.#killGraceMs, componentRound: options.components?.round, onOutput: options.onOutput, placement,
        // In a cluster a round belongs to its node, not to the town lease: a lease moving leaves it alone.
        fenced: () => !clustered(),
      },
      () => this.dispatcher.wake(),
    );
    this.dispatcher = new Dispatcher(
      {
        dispatch: async () => {
          if (clustered()) {
            await this.#rounds.reap();
            if (placement.leads() && (options.nodeLost ?? 'backlog') === 'backlog') {
              const nodes = await placement.nodes();
              for (const lost of await settleLostNodes(this.#ctx, (n) => nodes.get(n) === false, this.#killGraceMs)) options.onNodeLost?.(lost);
            }
          }
          let started = 0;
          for (const id of await store.agentsWithWork()) if (await this.#rounds.start(id)) started += 1;
          return started;
        },
        inFlight: () => this.#rounds.inFlight,
        hasWaitingWork: () => this.#hasWaitingWork(),
        // The town's one dispatcher heartbeat is the lease holder's; other nodes only run their own rounds.
        heartbeat: async (at) => (placement.leads() ? this.#write(async (d) => d.setMeta('dispatcher_heartbeat', at), true) : undefined),
      },
      this.#intervalMs,
    );
  }

  /** A reloaded configuration's presets and default CLI; agents already spawned keep their CLI name. */
  setPresets(presets: Readonly<Record<string, Preset>>, defaultCli: string): void {
    for (const name of Object.keys(this.#presets)) delete this.#presets[name];
    Object.assign(this.#presets, BUILTIN_PRESETS, presets);
    this.#defaultCli = defaultCli;
  }

  /**
   * Settles the rounds a server that died left on record (see interrupted.ts); call once this
   * process holds the town lease, before `start`.
   */
  settleInterrupted(): Promise<InterruptedRound[]> {
    // A cluster node settles only the rounds it ran itself (before it restarted): another live
    // node's rounds are alive, and a dead node's are the lease holder's to settle.
    const self = this.#placement.node();
    const mine = (a: Agent) => self === undefined || a.node === self;
    return settleInterrupted(this.#ctx, this.#interrupted, this.#killGraceMs, (id) => this.#rounds.isRunning(id), mine);
  }

  /** Starts dispatching inbox work to idle agents. */
  start(): void {
    void loadExeca();
    this.dispatcher.start();
  }

  /**
   * Stops dispatching and ends running rounds; their tasks go back to the front of their agent's
   * inbox, so the next start runs them again.
   */
  async close(): Promise<void> {
    this.dispatcher.stop();
    const working = (await this.#store.agents()).filter((a) => this.#rounds.isRunning(a.id));
    await this.#rounds.stopAll();
    if (working.length === 0) return;
    await this.#write(async (d, emit) => {
      for (const a of working) await giveBack(d, emit, await d.agent(a.id), 'shutdown', this.#ctx.now());
    });
  }

  // ---- agents ----

  async spawn(req: SpawnRequest): Promise<Agent> {
    checkAgentName(req.name);
    const cli = req.cli ?? this.#defaultCli;
    if (isComponentAgent({ cli })) {
      if (!this.#components) throw new TahoError('TAHO_BAD_ARGUMENTS', `component agents are not available here`, { hint: 'Spawn it through a taho server or the taho CLI, which host components.' });
      this.#components.check(cli);
    } else if (this.#presets[cli] === undefined) {
      throw new TahoError('TAHO_BAD_ARGUMENTS', `unknown agent CLI '${cli}'`, { hint: `Use one of: ${Object.keys(this.#presets).join(', ')}, or add a preset with a command.` });
    } else {
      checkInstalled(cli, this.#presets[cli] as Preset, this.#cwd);
    }
    const parent = req.parent_agent_id ?? null;
    if (parent !== null && !isUuid(parent)) throw new TahoError('TAHO_BAD_REQUEST', `Invalid parent_agent_id: ${parent}`, { hint: 'Give the parent agent\'s UUID.' });
    if (req.max_rounds != null && (!Number.isInteger(req.max_rounds) || req.max_rounds < 1)) {
      throw new TahoError('TAHO_BAD_ARGUMENTS', `invalid max_rounds ${req.max_rounds}`, { hint: 'Give a whole number of rounds, 1 or more, or leave it out for no limit.' });
    }
    return this.#write(async (d, emit) => {
      if ((await d.agentByName(req.name)) !== undefined) {
        throw new TahoError('TAHO_CONFLICT', `Agent already exists: ${req.name}`, { hint: 'Pick another name, or kill and prune the existing agent first.' });
      }
      // A process agent runs on the node that spawned it; a component agent, wherever its shard is.
      const node = isComponentAgent({ cli }) ? undefined : this.#placement.node();
      const agent = t.newAgent({ id: randomUUID(), name: req.name, nickname: req.nickname ?? null, role_id: req.role_id ?? null, parent_agent_id: parent, cli, max_rounds: req.max_rounds ?? null, ...(node === undefined ? {} : { node }) }, this.#ctx.now());
      d.putAgent(agent);
      emit('agent', 'spawned', { agent_id: agent.id, name: agent.name, cli, state: agent.state });
      return agent;
    });
  }

  agents(): Promise<Agent[]> {
    return this.#store.agents();
  }

  /** By id or name; throws TAHO_AGENT_NOT_FOUND. */
  agent(ref: string): Promise<Agent> {
    return agentRef(this.#store, ref);
  }

  findAgent(ref: string): Promise<Agent | undefined> {
    return findAgent(this.#store, ref);
  }

  /** Agents with their inbox depth (GET /v1/status). */
  async status(): Promise<AgentStatus[]> {
    const agents = await this.#store.agents();
    return Promise.all(agents.map(async (a) => {
      const c = await this.#store.inboxCounts(a.id);
      return { ...a, inbox_len: c.total, urgent_len: c.urgent };
    }));
  }

  /** Stops the agent and its round's whole process group; its tasks wait for `reclaim`. */
  async kill(ref: string): Promise<Agent> {
    const agent = await this.#change(ref, (a, now) => t.kill(a, now));
    await this.#rounds.runner.kill(agent.id, this.#killGraceMs);
    return agent;
  }

  /** Back to Idle; a round in progress is ended and its task put first in the agent's inbox. */
  async restart(ref: string): Promise<Agent> {
    const agent = await this.agent(ref);
    await this.#rounds.runner.kill(agent.id, this.#killGraceMs);
    const next = await this.#write(async (d, emit) => giveBack(d, emit, await d.agent(agent.id), 'restart', this.#ctx.now()));
    this.dispatcher.wake();
    return next ?? agent;
  }

  pause(ref: string): Promise<Agent> {
    return this.#change(ref, (a, now) => t.pause(a, now));
  }

  async resume(ref: string): Promise<Agent> {
    const agent = await this.#change(ref, (a, now) => t.resume(a, now));
    this.dispatcher.wake();
    return agent;
  }

  /** Removes stopped and failed agents (`all`: every agent, killing rounds first). Their unfinished tasks become orphans. */
  async prune(options: { all?: boolean | undefined } = {}): Promise<{ removed: number; agents: string[] }> {
    const victims = (await this.#store.agents()).filter((a) => options.all === true || isDeadAgent(a.state));
    for (const a of victims) await this.#rounds.runner.kill(a.id, this.#killGraceMs);
    return this.#write(async (d, emit) => {
      const names: string[] = [];
      for (const v of victims) {
        const a = await d.agent(v.id);
        if (a === undefined || (options.all !== true && !isDeadAgent(a.state))) continue;
        d.deleteAgent(a.id);
        emit('agent', 'pruned', { agent_id: a.id, name: a.name, state: a.state });
        names.push(a.name);
      }
      return { removed: names.length, agents: names };
    });
  }

  // ---- messages ----

  /** Creates a task in the agent's inbox (POST /v1/tasks/assign). */
  async assign(ref: string, description: string, options: { urgent?: boolean | undefined; tags?: readonly string[] | undefined; from?: string | undefined } = {}): Promise<{ task_id: string; agent_id: string; agent_name: string; message_id: string }> {
    const { out, agent } = await this.#write(async (d, emit) => {
      const agent = await agentRef(d, ref);
      const message = this.#newWork(d, emit, agent, description, 'task_assign', await this.#sender(d, options.from), options.urgent === true, options.tags ?? []);
      return { out: { task_id: message.task_id ?? '', agent_id: agent.id, agent_name: agent.name, message_id: message.id }, agent };
    });
    this.#wakeFor(agent);
    return out;
  }

  /** POST /v1/messages/send: `task` and `query` carry work (a task); `info` and `ack` ride along in the next round's prompt. */
  async send(req: SendRequest): Promise<{ message_id: string; to_agent: string; urgent: boolean; task_id: string | null }> {
    const type: MessageType = KINDS[(req.kind ?? 'task') as SendKind] ?? 'task';
    const urgent = req.urgent === true;
    const { out, agent } = await this.#write(async (d, emit) => {
      const agent = await agentRef(d, req.to);
      const from = await this.#sender(d, req.from);
      if (type === 'task' || type === 'query') {
        const m = this.#newWork(d, emit, agent, req.message, type, from, urgent, type === 'query' ? ['query'] : []);
        return { out: { message_id: m.id, to_agent: agent.id, urgent, task_id: m.task_id }, agent };
      }
      const m = newMessage({ from, to: agent.id, type, body: req.message, urgent, task_id: null }, this.#ctx.now());
      deliver(d, emit, agent, m);
      return { out: { message_id: m.id, to_agent: agent.id, urgent, task_id: null }, agent };
    });
    this.#wakeFor(agent);
    return out;
  }

  /** The first `limit` messages, urgent lane first, without removing them. */
  async inbox(ref: string, limit = 100): Promise<{ agent: string; total: number; urgent: number; messages: InboxItem[] }> {
    const read = (id: string) => Promise.all([this.#store.inboxCounts(id), this.#store.inbox(id, limit)]);
    // An agent polled by name: its id (never reused) is read with the inbox, in one round trip
    // on a pipelining store, and the answer kept only if that id still bears the name.
    const known = this.#inboxIds.get(ref);
    const guess = known === undefined ? undefined : await Promise.all([this.#store.agent(known), read(known)]);
    let found = guess !== undefined && guess[0]?.name === ref ? guess[1] : undefined;
    if (found === undefined) {
      const agent = await this.agent(ref);
      if (agent.name === ref) this.#inboxIds.set(ref, agent.id);
      else this.#inboxIds.delete(ref);
      found = await read(agent.id);
    }
    const [counts, rows] = found;
    const messages = rows.map((r) => ({ id: r.message.id, from: r.message.from, type: r.message.type, summary: summarize(r.message.type, r.message.body), urgent: r.urgent, task_id: r.message.task_id }));
    return { agent: ref, total: counts.total, urgent: counts.urgent, messages };
  }

  // ---- backlog ----

  backlogAdd(description: string, tags: readonly string[] = []): Promise<{ task_id: string; description: string }> {
    return this.#write(async (d, emit) => {
      const task = t.newTask({ id: randomUUID(), description, tags }, this.#ctx.now());
      d.putTask(task);
      d.backlogPush(task.id);
      emit('task', 'created', { task_id: task.id, description, tags });
      emit('backlog', 'added', { task_id: task.id, description, tags });
      return { task_id: task.id, description };
    });
  }

  /** The backlog and how long reading it took: the store latency readiness and metrics report. */
  async timedBacklog(): Promise<{ backlog: BacklogEntry[]; ms: number }> {
    const t0 = process.hrtime.bigint();
    const backlog = await this.backlog();
    return { backlog, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  }

  async backlog(): Promise<BacklogEntry[]> {
    const ids = await this.#store.backlog();
    const tasks = await Promise.all(ids.map((id) => this.#store.task(id)));
    return tasks.flatMap((task, i) => (task === undefined ? [] : [{ task_id: ids[i] as string, description: task.description, tags: task.tags }]));
  }

  /** Takes the task out of the backlog into the agent's inbox, in one write. */
  async claim(taskId: string, ref: string): Promise<{ task_id: string; agent_id: string; agent_name: string }> {
    const out = await this.#write(async (d, emit) => {
      const id = await backlogTaskId(d, taskId);
      const agent = await agentRef(d, ref);
      await this.#claim(d, emit, id, agent);
      return { task_id: id, agent_id: agent.id, agent_name: agent.name };
    });
    this.dispatcher.wake();
    return out;
  }

  async assignAll(ref: string): Promise<{ assigned: number; tasks: string[] }> {
    const out = await this.#write(async (d, emit) => {
      const agent = await agentRef(d, ref);
      const ids = await d.backlog();
      for (const id of ids) await this.#claim(d, emit, id, agent);
      return { assigned: ids.length, tasks: ids };
    });
    this.dispatcher.wake();
    return out;
  }

  /** Removes the task from the backlog and cancels it, so it is not left pending nowhere. */
  backlogRemove(taskId: string): Promise<{ removed: true; task_id: string }> {
    return this.#write(async (d, emit) => {
      const id = await backlogTaskId(d, taskId);
      if (!(await d.backlogRemove(id))) throw taskNotFound(taskId, 'backlog');
      const task = await d.task(id);
      if (task !== undefined && !isTerminalTask(task.state)) d.putTask(t.unwrap(t.cancelTask(task, this.#ctx.now())));
      emit('backlog', 'removed', { task_id: id });
      return { removed: true, task_id: id };
    });
  }

  // ---- tasks ----

  /** A page of tasks in the order they were created; `next` (absent on the last page) is the following page's `after`. */
  async tasks(q: TaskQuery = {}): Promise<TaskPage> {
    const agent = q.agent === undefined ? undefined : (await this.agent(q.agent)).id;
    const limit = q.limit ?? DEFAULT_TASK_PAGE;
    // One row past the page says whether another follows.
    const rows = await this.#store.taskPage({ state: q.state === undefined ? undefined : [q.state], assigned_to: agent, after: q.after, limit: limit + 1 });
    const tasks = rows.slice(0, limit).map((r) => r.task);
    return rows.length > limit ? { tasks, next: rows[limit - 1]?.ord } : { tasks };
  }

  /** Tasks by state, as the store keeps them (nothing is counted per request). */
  taskCounts(): Promise<Partial<Record<TaskState, number>>> {
    return this.#store.taskCounts();
  }

  task(id: string): Promise<Task> {
    return taskRef(this.#store, id);
  }

  /** Tasks waiting in inboxes (GET /v1/tasks/pending). */
  async pendingTasks(): Promise<PendingTask[]> {
    const tasks = await this.#store.tasks({ state: ['assigned'] });
    const agents = new Map((await this.#store.agents()).map((a) => [a.id, a]));
    return tasks.flatMap((task) => {
      const agent = task.assigned_to === null ? undefined : agents.get(task.assigned_to);
      return agent === undefined ? [] : [{ task_id: task.id, description: task.description, agent_id: agent.id, agent_name: agent.name }];
    });
  }

  /** Marks a task done by hand; it leaves the backlog or inbox it was in. */
  completeTask(id: string, result = ''): Promise<Task> {
    return this.#finish(id, (task, now) => t.completeTask(task, result, now));
  }

  /** Cancels a task; a round running it is killed and its agent goes back to Idle. */
  async cancelTask(id: string): Promise<Task> {
    const task = await this.task(id);
    const holder = task.assigned_to === null ? undefined : await this.#store.agent(task.assigned_to);
    if (task.state === 'running' && holder?.current_task === task.id) {
      await this.#rounds.runner.kill(holder.id, this.#killGraceMs);
      await this.#write(async (d, emit) => {
        const a = await d.agent(holder.id);
        if (a === undefined || a.current_task !== task.id || isDeadAgent(a.state)) return;
        const next = t.restart(a, this.#ctx.now());
        d.putAgent(next);
        agentChanged(emit, a, next);
      });
    }
    return this.#finish(id, (tk, now) => t.cancelTask(tk, now));
  }

  // ---- recovery ----

  /** Cluster-wide: this node's rounds by their processes, other live nodes' by their heartbeat, a dead node's agents all. */
  async recover(options: { staleAfterMs?: number | undefined; dryRun?: boolean | undefined } = {}): Promise<RecoverResult> {
    const nodes = await this.#placement.nodes();
    const scope = {
      isLocal: (id: string) => this.#rounds.isRunning(id),
      here: (a: Agent) => !isComponentAgent(a) && runsHere(this.#placement, a),
      // Dead, or no longer registered at all (it left, or died long ago). A component agent is
      // not lost with a node: its durable agent moved to the shard's next owner.
      lost: (a: Agent) => this.#placement.node() !== undefined && !isComponentAgent(a) && (a.node ?? null) !== null && nodes.get(a.node ?? '') !== true,
    };
    return recover(this.#ctx, scope, options.staleAfterMs ?? this.#staleAfterMs, this.#killGraceMs, options.dryRun === true);
  }

  /** Without `to` or `toBacklog` this only lists what dead agents hold; it changes nothing. */
  async reclaim(req: ReclaimRequest = {}): Promise<ReclaimResult> {
    const out = await reclaim(this.#ctx, req, (id) => this.#rounds.runner.kill(id, this.#killGraceMs), this.#killGraceMs);
    this.dispatcher.wake();
    return out;
  }

  /** `action` as on the wire (`list`, `to_backlog`/`backlog`, `cancel`, `delete`; empty = list). */
  orphans(action?: string): Promise<{ action: OrphanAction; count: number; orphans: Orphan[] }> {
    return orphans(this.#ctx, orphanAction(action));
  }

  /** Where a task is and what it waits for, or an agent's state, inbox, heartbeat and last round. */
  async explain(id: string): Promise<Explanation> {
    const env = { store: this.#store, now: Date.now(), dispatcher: await this.dispatcherState() };
    const found = await agentOrTask(this.#store, id);
    return 'agent' in found ? explainAgent(env, found.agent) : explainTask(env, found.task);
  }

  /** This process's dispatcher, or, when it is not running here, whether another process's is alive. */
  async dispatcherState(): Promise<DispatcherState> {
    if (this.dispatcher.started) return this.dispatcher.state();
    const beat = await this.#store.meta('dispatcher_heartbeat');
    const alive = beat !== undefined && Date.now() - Date.parse(beat) < 3 * this.#intervalMs + 1000;
    return (await this.#hasWaitingWork()) && !alive ? 'stalled' : 'idle';
  }

  /** The log file of an agent's round (default: its last). */
  async roundLog(ref: string, n?: number): Promise<string | undefined> {
    const agent = await this.agent(ref);
    const last = await this.#store.lastRound(agent.id);
    if (n !== undefined && n > (last?.n ?? 0)) {
      throw new TahoError('TAHO_BAD_REQUEST', `agent ${agent.name} has no round ${n}: ${last ? `its rounds are 1 to ${last.n}` : 'it has run no round yet'}`, {
        hint: `\`tt logs ${agent.name}\` prints its last round; \`tt explain ${agent.name}\` says what it is doing.`,
        details: { agent: agent.name, round: n, last: last?.n ?? null },
      });
    }
    const round = n ?? last?.n;
    return round === undefined ? undefined : this.#rounds.logPath(agent.name, round);
  }

  // ---- internals ----

  async #hasWaitingWork(): Promise<boolean> {
    for (const id of await this.#store.agentsWithWork()) if ((await this.#store.agent(id))?.state === 'Idle') return true;
    return false;
  }

  /**
   * Drafts the change and applies it with its events as one write; drafts it again when another
   * writer changed what it read. A refusal thrown by the draft writes nothing.
   */
  async #write<T>(fn: (d: TownDraft, emit: Emit) => Promise<T>, fenced = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // The first draft may trust agents read by earlier changes: a write whose guard finds one
      // moved is drafted again from the store.
      const d = new TownDraft(this.#store, attempt === 1 ? this.#knownAgents : undefined);
      const emit: Emit = (kind, type, data) => {
        const ids = data as { agent_id?: string; task_id?: string; message_id?: string };
        d.event({ kind: 'town', type: `${kind}.${type}`, subject: ids.task_id ?? ids.agent_id ?? ids.message_id ?? '', data });
      };
      const out = await fn(d, emit);
      if (d.empty) return out;
      const r = await this.#store.apply(d.write(fenced ? this.#fence() : undefined));
      for (const [name, a] of d.read) this.#knownAgents.set(name, a);
      if (r.ok) return out;
      if (attempt === 1) this.#knownAgents.clear();
      if (attempt >= ATTEMPTS) {
        throw new TahoError('TAHO_CONFLICT', `the town kept changing under this change (${r.conflict})`, { hint: 'Retry; another process is changing the same agents or tasks right now.' });
      }
    }
  }

  /**
   * Work arrived for `agent`: this process's dispatcher looks at once if it runs the agent's
   * rounds (in a cluster the agent's own node is woken by the change's event instead).
   */
  #wakeFor(agent: Agent): void {
    if (runsHere(this.#placement, agent)) this.dispatcher.wake();
  }

  /** The sender of a message: only its id goes into the message, so its own writes do not refuse the change. */
  async #sender(d: TownDraft, from: string | undefined): Promise<string> {
    const id = await senderId(d, from);
    if (id !== SUPERVISOR_ID) d.needsOnlyAlive(id);
    return id;
  }

  #change(ref: string, step: (a: Agent, now: string) => t.Outcome<Agent>): Promise<Agent> {
    return this.#write(async (d, emit) => {
      const agent = await agentRef(d, ref);
      const next = t.unwrap(step(agent, this.#ctx.now()));
      if (next !== agent) {
        d.putAgent(next);
        agentChanged(emit, agent, next);
      }
      return next;
    });
  }

  #newWork(d: TownDraft, emit: Emit, agent: Agent, description: string, type: MessageType, from: string, urgent: boolean, tags: readonly string[]) {
    const now = this.#ctx.now();
    const task = t.unwrap(t.assignTask(t.newTask({ id: randomUUID(), description, tags }, now), agent, now));
    d.putTask(task);
    emit('task', 'created', { task_id: task.id, description, tags });
    emit('task', 'assigned', { task_id: task.id, agent_id: agent.id, urgent });
    const message = newMessage({ from, to: agent.id, type, body: description, urgent, task_id: task.id }, now);
    deliver(d, emit, agent, message);
    return message;
  }

  async #claim(d: TownDraft, emit: Emit, taskId: string, agent: Agent): Promise<void> {
    if (!(await d.backlogRemove(taskId))) throw taskNotFound(taskId, 'backlog');
    const task = await d.task(taskId);
    if (task === undefined) throw taskNotFound(taskId);
    const next = t.unwrap(t.assignTask(task, agent, this.#ctx.now()));
    d.putTask(next);
    emit('backlog', 'claimed', { task_id: taskId, agent_id: agent.id, agent_name: agent.name });
    emit('task', 'assigned', { task_id: taskId, agent_id: agent.id });
    deliver(d, emit, agent, newMessage({ from: SUPERVISOR_ID, to: agent.id, type: 'task_assign', body: task.description, urgent: false, task_id: taskId }, this.#ctx.now()));
  }

  #finish(id: string, step: (task: Task, now: string) => t.Outcome<Task>): Promise<Task> {
    return this.#write(async (d, emit) => {
      const task = await taskRef(d, id);
      const next = t.unwrap(step(task, this.#ctx.now()));
      d.putTask(next);
      d.backlogDrop(task.id);
      d.inboxRemoveTask(task.id);
      emit('task', next.state, { task_id: task.id, agent_id: task.assigned_to, result: next.result });
      return next;
    });
  }
}
