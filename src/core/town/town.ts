import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { TahoError } from '../errors.js';
import { agentChanged, deliver, newMessage, type Emit, type TownContext } from './context.js';
import { Dispatcher, type DispatcherState } from './dispatcher.js';
import { type Explanation, explainAgent, explainTask } from './explain.js';
import type { Agent, BacklogEntry, InboxItem, MessageType, SendKind, Task, TaskState, TownEvent } from './model.js';
import { isDeadAgent, isTerminalTask, summarize, SUPERVISOR_ID } from './model.js';
import { orphanAction, orphans, reclaim, recover, type Orphan, type OrphanAction, type ReclaimRequest, type ReclaimResult, type RecoverResult } from './recovery.js';
import { agentOrTask, agentRef, backlogTaskId, checkAgentName, checkTaskId, findAgent, isUuid, senderId, taskNotFound, taskRef } from './refs.js';
import { COMPONENT_CLI, Rounds, type ComponentRound } from './rounds.js';
import { BUILTIN_PRESETS, loadExeca, type Preset } from './runner.js';
import { checkInstalled } from './installed.js';
import { TownStore } from './store.js';
import * as t from './transitions.js';

export interface TownOptions {
  /** `<dataDir>/town.db` holds the state, `<dataDir>/town/logs/<agent>/round-<n>.log` the output. */
  readonly dataDir: string;
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
  /** Bytes of a round's output kept as the task's result. */
  readonly resultBytes?: number | undefined;
  /** Told when a running round's log grows (log follows wake on it). */
  readonly onOutput?: ((agentName: string, round: number) => void) | undefined;
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

export interface PendingTask {
  readonly task_id: string;
  readonly description: string;
  readonly agent_id: string;
  readonly agent_name: string;
}

/** The typed event bus: `town.events.on('event', (e) => …)`. */
export type TownEvents = EventEmitter<{ event: [TownEvent] }>;

const KINDS: Readonly<Record<SendKind, MessageType>> = { task: 'task', query: 'query', info: 'info', ack: 'confirmation' };

/**
 * The town (Tinytown's model): process agents that run one round of a CLI per task, their
 * inboxes, the backlog, and recovery. HTTP routes and CLI commands call this and nothing below it.
 * Every change is committed to SQLite first, then published on `events`.
 */
export class Town {
  readonly events: TownEvents = new EventEmitter<{ event: [TownEvent] }>();
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
  readonly #intervalMs: number;

  constructor(options: TownOptions) {
    this.#store = new TownStore(options.dataDir);
    this.#presets = { ...BUILTIN_PRESETS, ...options.presets };
    this.#components = options.components;
    this.#defaultCli = options.defaultCli ?? 'claude';
    this.#cwd = options.cwd ?? process.cwd();
    this.#staleAfterMs = options.staleAfterMs ?? 120_000;
    this.#killGraceMs = options.killGraceMs ?? 2_000;
    this.#intervalMs = options.dispatchIntervalMs ?? 250;
    const store = this.#store;
    this.#ctx = { store, now: () => new Date().toISOString(), write: (fn) => this.#write(fn) };
    this.#rounds = new Rounds(
      this.#ctx,
      { dataDir: options.dataDir, cwd: this.#cwd, presets: this.#presets, heartbeatMs: options.heartbeatMs ?? 5_000, resultBytes: options.resultBytes ?? 4096, killGraceMs: this.#killGraceMs, componentRound: options.components?.round, onOutput: options.onOutput },
      () => this.dispatcher.wake(),
    );
    this.dispatcher = new Dispatcher(
      {
        dispatch: () => store.agentsWithWork().filter((id) => this.#rounds.start(id)).length,
        inFlight: () => this.#rounds.inFlight,
        hasWaitingWork: () => store.agentsWithWork().some((id) => store.agent(id)?.state === 'Idle'),
        heartbeat: (at) => this.#write(() => store.setMeta('dispatcher_heartbeat', at)),
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

  /** Starts dispatching inbox work to idle agents. */
  start(): void {
    void loadExeca();
    this.dispatcher.start();
  }

  /**
   * Stops dispatching and ends running rounds; their tasks go back to the front of their agent's
   * inbox, so the next start runs them again. Then closes the database.
   */
  async close(): Promise<void> {
    this.dispatcher.stop();
    const working = this.#store.agents().filter((a) => this.#rounds.isRunning(a.id));
    await this.#rounds.stopAll();
    this.#write((emit) => {
      for (const a of working) this.#giveBack(emit, this.#store.agent(a.id), 'shutdown');
    });
    this.#store.close();
  }

  // ---- agents ----

  spawn(req: SpawnRequest): Agent {
    checkAgentName(req.name);
    const cli = req.cli ?? this.#defaultCli;
    if (cli.startsWith(COMPONENT_CLI)) {
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
    return this.#write((emit) => {
      if (this.#store.agentByName(req.name) !== undefined) {
        throw new TahoError('TAHO_CONFLICT', `Agent already exists: ${req.name}`, { hint: 'Pick another name, or kill and prune the existing agent first.' });
      }
      const agent = t.newAgent({ id: randomUUID(), name: req.name, nickname: req.nickname ?? null, role_id: req.role_id ?? null, parent_agent_id: parent, cli, max_rounds: req.max_rounds ?? null }, this.#ctx.now());
      this.#store.putAgent(agent);
      emit('agent', 'spawned', { agent_id: agent.id, name: agent.name, cli, state: agent.state });
      return agent;
    });
  }

  agents(): Agent[] {
    return this.#store.agents();
  }

  /** By id or name; throws TAHO_AGENT_NOT_FOUND. */
  agent(ref: string): Agent {
    return agentRef(this.#store, ref);
  }

  findAgent(ref: string): Agent | undefined {
    return findAgent(this.#store, ref);
  }

  /** Agents with their inbox depth (GET /v1/status). */
  status(): AgentStatus[] {
    return this.#store.agents().map((a) => {
      const c = this.#store.inboxCounts(a.id);
      return { ...a, inbox_len: c.total, urgent_len: c.urgent };
    });
  }

  /** Stops the agent and its round's whole process group; its tasks wait for `reclaim`. */
  async kill(ref: string): Promise<Agent> {
    const agent = this.#change(ref, (a, now) => t.kill(a, now));
    await this.#rounds.runner.kill(agent.id, this.#killGraceMs);
    return agent;
  }

  /** Back to Idle; a round in progress is ended and its task put first in the agent's inbox. */
  async restart(ref: string): Promise<Agent> {
    const agent = this.agent(ref);
    await this.#rounds.runner.kill(agent.id, this.#killGraceMs);
    const next = this.#write((emit) => this.#giveBack(emit, this.#store.agent(agent.id), 'restart'));
    this.dispatcher.wake();
    return next ?? agent;
  }

  pause(ref: string): Agent {
    return this.#change(ref, (a, now) => t.pause(a, now));
  }

  resume(ref: string): Agent {
    const agent = this.#change(ref, (a, now) => t.resume(a, now));
    this.dispatcher.wake();
    return agent;
  }

  /** Removes stopped and failed agents (`all`: every agent, killing rounds first). Their unfinished tasks become orphans. */
  async prune(options: { all?: boolean | undefined } = {}): Promise<{ removed: number; agents: string[] }> {
    const victims = this.#store.agents().filter((a) => options.all === true || isDeadAgent(a.state));
    for (const a of victims) await this.#rounds.runner.kill(a.id, this.#killGraceMs);
    return this.#write((emit) => {
      const names: string[] = [];
      for (const v of victims) {
        const a = this.#store.agent(v.id);
        if (a === undefined || (options.all !== true && !isDeadAgent(a.state))) continue;
        this.#store.deleteAgent(a.id);
        emit('agent', 'pruned', { agent_id: a.id, name: a.name, state: a.state });
        names.push(a.name);
      }
      return { removed: names.length, agents: names };
    });
  }

  // ---- messages ----

  /** Creates a task in the agent's inbox (POST /v1/tasks/assign). */
  assign(ref: string, description: string, options: { urgent?: boolean | undefined; tags?: readonly string[] | undefined; from?: string | undefined } = {}): { task_id: string; agent_id: string; agent_name: string; message_id: string } {
    const out = this.#write((emit) => {
      const agent = agentRef(this.#store, ref);
      const message = this.#newWork(emit, agent, description, 'task_assign', senderId(this.#store, options.from), options.urgent === true, options.tags ?? []);
      return { task_id: message.task_id ?? '', agent_id: agent.id, agent_name: agent.name, message_id: message.id };
    });
    this.dispatcher.wake();
    return out;
  }

  /** POST /v1/messages/send: `task` and `query` carry work (a task); `info` and `ack` ride along in the next round's prompt. */
  send(req: SendRequest): { message_id: string; to_agent: string; urgent: boolean; task_id: string | null } {
    const type: MessageType = KINDS[(req.kind ?? 'task') as SendKind] ?? 'task';
    const urgent = req.urgent === true;
    const out = this.#write((emit) => {
      const agent = agentRef(this.#store, req.to);
      const from = senderId(this.#store, req.from);
      if (type === 'task' || type === 'query') {
        const m = this.#newWork(emit, agent, req.message, type, from, urgent, type === 'query' ? ['query'] : []);
        return { message_id: m.id, to_agent: agent.id, urgent, task_id: m.task_id };
      }
      const m = newMessage({ from, to: agent.id, type, body: req.message, urgent, task_id: null }, this.#ctx.now());
      deliver(this.#ctx, emit, agent, m);
      return { message_id: m.id, to_agent: agent.id, urgent, task_id: null };
    });
    this.dispatcher.wake();
    return out;
  }

  /** The first `limit` messages, urgent lane first, without removing them. */
  inbox(ref: string, limit = 100): { agent: string; total: number; urgent: number; messages: InboxItem[] } {
    const agent = this.agent(ref);
    const counts = this.#store.inboxCounts(agent.id);
    const messages = this.#store.inbox(agent.id, limit).map((r) => ({ id: r.message.id, from: r.message.from, type: r.message.type, summary: summarize(r.message.type, r.message.body), urgent: r.urgent, task_id: r.message.task_id }));
    return { agent: ref, total: counts.total, urgent: counts.urgent, messages };
  }

  // ---- backlog ----

  backlogAdd(description: string, tags: readonly string[] = []): { task_id: string; description: string } {
    return this.#write((emit) => {
      const task = t.newTask({ id: randomUUID(), description, tags }, this.#ctx.now());
      this.#store.putTask(task);
      this.#store.backlogPush(task.id);
      emit('task', 'created', { task_id: task.id, description, tags });
      emit('backlog', 'added', { task_id: task.id, description, tags });
      return { task_id: task.id, description };
    });
  }

  /** The backlog and how long reading it took: the store latency readiness and metrics report. */
  timedBacklog(): { backlog: BacklogEntry[]; ms: number } {
    const t0 = process.hrtime.bigint();
    const backlog = this.backlog();
    return { backlog, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  }

  backlog(): BacklogEntry[] {
    return this.#store.backlog().flatMap((id) => {
      const task = this.#store.task(id);
      return task === undefined ? [] : [{ task_id: id, description: task.description, tags: task.tags }];
    });
  }

  /** Takes the task out of the backlog into the agent's inbox, in one transaction. */
  claim(taskId: string, ref: string): { task_id: string; agent_id: string; agent_name: string } {
    const out = this.#write((emit) => {
      const id = backlogTaskId(this.#store, taskId);
      const agent = agentRef(this.#store, ref);
      this.#claim(emit, id, agent);
      return { task_id: id, agent_id: agent.id, agent_name: agent.name };
    });
    this.dispatcher.wake();
    return out;
  }

  assignAll(ref: string): { assigned: number; tasks: string[] } {
    const out = this.#write((emit) => {
      const agent = agentRef(this.#store, ref);
      const ids = this.#store.backlog();
      for (const id of ids) this.#claim(emit, id, agent);
      return { assigned: ids.length, tasks: ids };
    });
    this.dispatcher.wake();
    return out;
  }

  /** Removes the task from the backlog and cancels it, so it is not left pending nowhere. */
  backlogRemove(taskId: string): { removed: true; task_id: string } {
    return this.#write((emit) => {
      const id = backlogTaskId(this.#store, taskId);
      if (!this.#store.backlogRemove(id)) throw taskNotFound(taskId, 'backlog');
      const task = this.#store.task(id);
      if (task !== undefined && !isTerminalTask(task.state)) this.#store.putTask(t.unwrap(t.cancelTask(task, this.#ctx.now())));
      emit('backlog', 'removed', { task_id: id });
      return { removed: true, task_id: id };
    });
  }

  // ---- tasks ----

  tasks(filter: { state?: TaskState | undefined; agent?: string | undefined } = {}): Task[] {
    const agent = filter.agent === undefined ? undefined : this.agent(filter.agent).id;
    return this.#store.tasks({ ...(filter.state === undefined ? {} : { state: [filter.state] }), ...(agent === undefined ? {} : { assigned_to: agent }) });
  }

  task(id: string): Task {
    return taskRef(this.#store, id);
  }

  /** Tasks waiting in inboxes (GET /v1/tasks/pending). */
  pendingTasks(): PendingTask[] {
    return this.#store.tasks({ state: ['assigned'] }).flatMap((task) => {
      const agent = task.assigned_to === null ? undefined : this.#store.agent(task.assigned_to);
      return agent === undefined ? [] : [{ task_id: task.id, description: task.description, agent_id: agent.id, agent_name: agent.name }];
    });
  }

  /** Marks a task done by hand; it leaves the backlog or inbox it was in. */
  completeTask(id: string, result = ''): Task {
    return this.#finish(id, (task, now) => t.completeTask(task, result, now));
  }

  /** Cancels a task; a round running it is killed and its agent goes back to Idle. */
  async cancelTask(id: string): Promise<Task> {
    const task = this.task(id);
    const holder = task.assigned_to === null ? undefined : this.#store.agent(task.assigned_to);
    if (task.state === 'running' && holder?.current_task === task.id) {
      await this.#rounds.runner.kill(holder.id, this.#killGraceMs);
      this.#write((emit) => {
        const a = this.#store.agent(holder.id);
        if (a === undefined || a.current_task !== task.id || isDeadAgent(a.state)) return;
        const next = t.restart(a, this.#ctx.now());
        this.#store.putAgent(next);
        agentChanged(emit, a, next);
      });
    }
    return this.#finish(id, (tk, now) => t.cancelTask(tk, now));
  }

  // ---- recovery ----

  recover(options: { staleAfterMs?: number | undefined } = {}): RecoverResult {
    return recover(this.#ctx, (id) => this.#rounds.isRunning(id), options.staleAfterMs ?? this.#staleAfterMs);
  }

  /** Without `to` or `toBacklog` this only lists what dead agents hold; it changes nothing. */
  reclaim(req: ReclaimRequest = {}): ReclaimResult {
    const out = reclaim(this.#ctx, req);
    this.dispatcher.wake();
    return out;
  }

  /** `action` as on the wire (`list`, `to_backlog`/`backlog`, `cancel`, `delete`; empty = list). */
  orphans(action?: string): { action: OrphanAction; count: number; orphans: Orphan[] } {
    return orphans(this.#ctx, orphanAction(action));
  }

  /** Where a task is and what it waits for, or an agent's state, inbox, heartbeat and last round. */
  explain(id: string): Explanation {
    const env = { store: this.#store, now: Date.now(), dispatcher: this.dispatcherState() };
    const found = agentOrTask(this.#store, id);
    return 'agent' in found ? explainAgent(env, found.agent) : explainTask(env, found.task);
  }

  /** This process's dispatcher, or, when it is not running here, whether another process's is alive. */
  dispatcherState(): DispatcherState {
    if (this.dispatcher.started) return this.dispatcher.state();
    const beat = this.#store.meta('dispatcher_heartbeat');
    const alive = beat !== undefined && Date.now() - Date.parse(beat) < 3 * this.#intervalMs + 1000;
    const waiting = this.#store.agentsWithWork().some((id) => this.#store.agent(id)?.state === 'Idle');
    return waiting && !alive ? 'stalled' : 'idle';
  }

  /** Events after `afterId`, for resuming a stream (SSE Last-Event-ID). */
  eventsSince(afterId: number, limit = 1000): TownEvent[] {
    return this.#store.eventsSince(afterId, limit);
  }

  /** The log file of an agent's round (default: its last). */
  roundLog(ref: string, n?: number): string | undefined {
    const agent = this.agent(ref);
    const last = this.#store.lastRound(agent.id);
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

  #write<T>(fn: (emit: Emit) => T): T {
    const pending: TownEvent[] = [];
    const out = this.#store.tx(() => fn((kind, type, data) => pending.push(this.#store.appendEvent(kind, type, this.#ctx.now(), data))));
    for (const e of pending) this.events.emit('event', e);
    return out;
  }

  #change(ref: string, step: (a: Agent, now: string) => t.Outcome<Agent>): Agent {
    return this.#write((emit) => {
      const agent = agentRef(this.#store, ref);
      const next = t.unwrap(step(agent, this.#ctx.now()));
      if (next !== agent) {
        this.#store.putAgent(next);
        agentChanged(emit, agent, next);
      }
      return next;
    });
  }

  #newWork(emit: Emit, agent: Agent, description: string, type: MessageType, from: string, urgent: boolean, tags: readonly string[]) {
    const now = this.#ctx.now();
    const task = t.unwrap(t.assignTask(t.newTask({ id: randomUUID(), description, tags }, now), agent, now));
    this.#store.putTask(task);
    emit('task', 'created', { task_id: task.id, description, tags });
    emit('task', 'assigned', { task_id: task.id, agent_id: agent.id, urgent });
    const message = newMessage({ from, to: agent.id, type, body: description, urgent, task_id: task.id }, now);
    deliver(this.#ctx, emit, agent, message);
    return message;
  }

  #claim(emit: Emit, taskId: string, agent: Agent): void {
    if (!this.#store.backlogRemove(taskId)) throw taskNotFound(taskId, 'backlog');
    const task = this.#store.task(taskId);
    if (task === undefined) throw taskNotFound(taskId);
    const next = t.unwrap(t.assignTask(task, agent, this.#ctx.now()));
    this.#store.putTask(next);
    emit('backlog', 'claimed', { task_id: taskId, agent_id: agent.id, agent_name: agent.name });
    emit('task', 'assigned', { task_id: taskId, agent_id: agent.id });
    deliver(this.#ctx, emit, agent, newMessage({ from: SUPERVISOR_ID, to: agent.id, type: 'task_assign', body: task.description, urgent: false, task_id: taskId }, this.#ctx.now()));
  }

  /** Agent back to Idle; the task its round held goes first in its inbox to run again. */
  #giveBack(emit: Emit, agent: Agent | undefined, why: string): Agent | undefined {
    if (agent === undefined) return undefined;
    const now = this.#ctx.now();
    const held = agent.current_task === null ? undefined : this.#store.task(agent.current_task);
    const next = why === 'shutdown' ? afterShutdown(agent) : t.restart(agent, now);
    this.#store.putAgent(next);
    agentChanged(emit, agent, next, why === 'shutdown' ? 'state' : 'restarted');
    if (held === undefined || isTerminalTask(held.state) || held.assigned_to !== agent.id) return next;
    if (isDeadAgent(next.state)) {
      this.#store.putTask(t.unwrap(t.requeueTask(held, now)));
      this.#store.backlogPush(held.id);
      emit('backlog', 'added', { task_id: held.id, description: held.description, why });
    } else {
      const task = t.unwrap(t.assignTask(held, next, now));
      this.#store.putTask(task);
      emit('task', 'requeued', { task_id: task.id, agent_id: agent.id, why });
      deliver(this.#ctx, emit, next, newMessage({ from: agent.id, to: agent.id, type: 'task_assign', body: task.description, urgent: true, task_id: task.id }, now), true);
    }
    return next;
  }

  #finish(id: string, step: (task: Task, now: string) => t.Outcome<Task>): Task {
    return this.#write((emit) => {
      const task = taskRef(this.#store, id);
      const next = t.unwrap(step(task, this.#ctx.now()));
      this.#store.putTask(next);
      this.#store.backlogRemove(task.id);
      this.#store.inboxRemoveTask(task.id);
      emit('task', next.state, { task_id: task.id, agent_id: task.assigned_to, result: next.result });
      return next;
    });
  }
}

/** After a shutdown ended its round: a draining agent is done, a working one is idle again. */
function afterShutdown(agent: Agent): Agent {
  const state = agent.state === 'Working' ? 'Idle' : agent.state === 'Draining' ? 'Stopped' : agent.state;
  return { ...agent, state, current_task: null, pid: null };
}
