import { join } from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import { watchDir } from '../events/file-watch.js';
import { agentChanged, type Emit, type TownContext } from './context.js';
import type { Agent, Round, Task } from './model.js';
import type { InboxRow } from '../store/ports/index.js';
import type { TownDraft } from './draft.js';
import { type Preset, type RoundEnd, Runner } from './runner.js';
import { completeTask, failTask, finishRound, heartbeat, recordPid, startRound, unwrap } from './transitions.js';
import { COMPONENT_CLI, isComponentAgent, runsHere, type Placement } from './placement.js';
import { isDeadAgent } from './model.js';

/** A round of a component agent: one durable-agent invocation with the task (see town.ts). */
export type ComponentRound = (cli: string, agentName: string, taskId: string, prompt: string) => Promise<{ exitCode: number; output: string }>;

export { COMPONENT_CLI };

export interface RoundOptions {
  readonly componentRound?: ComponentRound | undefined;
  /** Told when a running round's log grows (log follows wake on it). */
  readonly onOutput?: ((agentName: string, round: number) => void) | undefined;
  readonly dataDir: string;
  readonly cwd: string;
  readonly presets: Readonly<Record<string, Preset>>;
  readonly heartbeatMs: number;
  readonly resultBytes: number;
  readonly killGraceMs: number;
  /** Which agents' rounds this process starts (see placement.ts). */
  readonly placement: Placement;
  /** Whether round writes carry the town lease's fence: not in a cluster, where rounds belong to their node, not to the lease. */
  readonly fenced: () => boolean;
}

interface Begun {
  readonly agent: Agent;
  readonly task: Task;
  readonly round: Round;
  readonly command: string;
  readonly prompt: string;
}

/**
 * Runs rounds: takes the next task from an idle agent's inbox (one transaction), runs the agent's
 * command once for it, and records the outcome (another transaction). A round whose process
 * dies by a signal we did not send is left as it is for `recover`, as a crash would be.
 */
export class Rounds {
  readonly #ctx: TownContext;
  readonly #opts: RoundOptions;
  readonly runner = new Runner();
  readonly #inflight = new Set<Promise<void>>();
  /** The task each running round of this process holds, by agent. */
  readonly #holding = new Map<string, string>();
  readonly #onEnd: () => void;

  constructor(ctx: TownContext, opts: RoundOptions, onEnd: () => void) {
    this.#ctx = ctx;
    this.#opts = opts;
    this.#onEnd = onEnd;
  }

  /** Agents whose component round is in flight (no process: the runner does not know them). */
  readonly #componentRounds = new Set<string>();

  /** Whether a round of this agent runs now, a process or a component invocation. */
  isRunning(agentId: string): boolean {
    return this.runner.isRunning(agentId) || this.#componentRounds.has(agentId);
  }

  get inFlight(): number {
    return this.#inflight.size;
  }

  logPath(agentName: string, n: number): string {
    return join(this.#opts.dataDir, 'town', 'logs', agentName, `round-${n}.log`);
  }

  /** Agents whose round is being begun (its write in flight): not begun twice. */
  readonly #beginning = new Set<string>();

  /** Starts the next round of this agent if it is idle and has work; true when one started. */
  async start(agentId: string): Promise<boolean> {
    if (this.isRunning(agentId) || this.#beginning.has(agentId)) return false;
    this.#beginning.add(agentId);
    let begun: Begun | undefined;
    try {
      begun = await this.#ctx.write((d, emit) => this.#begin(d, agentId, emit), { fenced: this.#opts.fenced() });
    } finally {
      this.#beginning.delete(agentId);
    }
    if (begun === undefined) return false;
    const b = begun;
    this.#holding.set(b.agent.id, b.task.id);
    const p = this.#run(b).finally(() => {
      this.#holding.delete(b.agent.id);
      this.#inflight.delete(p);
      this.#onEnd();
    });
    this.#inflight.add(p);
    return true;
  }

  /**
   * Ends the rounds of this process whose agent no longer holds their task: another node
   * stopped, restarted, pruned or settled it (this node was seen dead while it stalled). The
   * round's outcome is then not recorded: whoever changed the agent recorded what it means.
   */
  async reap(): Promise<number> {
    let reaped = 0;
    for (const [agentId, taskId] of [...this.#holding]) {
      const a = await this.#ctx.store.agent(agentId);
      if (a !== undefined && a.current_task === taskId && !isDeadAgent(a.state)) continue;
      if (await this.runner.kill(agentId, this.#opts.killGraceMs)) reaped += 1;
    }
    return reaped;
  }

  /** Kills every running round and waits until each outcome is recorded. */
  async stopAll(): Promise<void> {
    await this.runner.killAll(this.#opts.killGraceMs);
    await Promise.all([...this.#inflight]);
  }

  async #begin(store: TownDraft, agentId: string, emit: Emit): Promise<Begun | undefined> {
    const agent = await store.agent(agentId);
    if (agent === undefined || agent.state !== 'Idle' || !runsHere(this.#opts.placement, agent)) return undefined;
    const row = await store.inboxNextWork(agentId);
    if (row === undefined) return undefined;
    store.inboxRemove(row.message.id);
    const task = row.message.task_id === null ? undefined : await store.task(row.message.task_id);
    const now = this.#ctx.now();
    // A message whose task was finished or moved meanwhile (complete, cancel) carries no work any more.
    if (task === undefined || task.state !== 'assigned' || task.assigned_to !== agentId) return undefined;
    const preset = isComponentAgent(agent) ? { command: agent.cli } : this.#opts.presets[agent.cli];
    if (preset === undefined) {
      const failed = unwrap(failTask(task, `no preset named '${agent.cli}' to run agent '${agent.name}'`, now));
      store.putTask(failed);
      emit('task', 'failed', { task_id: task.id, agent_id: agent.id, result: failed.result });
      return undefined;
    }
    const notes = await store.inboxNotes(agentId);
    for (const n of notes) store.inboxRemove(n.message.id);
    const next = unwrap(startRound(agent, task, now));
    // In a cluster a round records its node: a component agent's is where its shard is now, and
    // an agent spawned where no node ran (a one-shot command) stays with the lease holder that adopts it.
    const node = this.#opts.placement.node();
    const adopt = node !== undefined && (isComponentAgent(agent) || (agent.node ?? null) === null);
    store.putAgent(adopt ? { ...next.agent, node } : next.agent);
    store.putTask(next.task);
    const n = ((await store.lastRound(agentId))?.n ?? 0) + 1;
    const round: Round = { agent_id: agentId, n, task_id: task.id, pid: null, started_at: now, ended_at: null, exit_code: null, signal: null, log: this.logPath(agent.name, n) };
    store.putRound(round);
    agentChanged(emit, agent, next.agent);
    emit('task', 'started', { task_id: task.id, agent_id: agentId, round: n, log: round.log });
    return { agent: next.agent, task: next.task, round, command: preset.command, prompt: prompt(task, notes) };
  }

  async #run(b: Begun): Promise<void> {
    const dir = join(this.#opts.dataDir, 'town', 'logs', b.agent.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(b.round.log, '');
    const onOutput = this.#opts.onOutput;
    const unwatch = onOutput ? watchDir(dir, () => onOutput(b.agent.name, b.round.n)) : undefined;
    try {
      await this.#runRound(b, dir);
    } finally {
      unwatch?.();
    }
  }

  async #runRound(b: Begun, dir: string): Promise<void> {
    let end: RoundEnd;
    // In a cluster, the node running the round (its agent's node).
    const node = this.#opts.placement.node();
    if (b.command.startsWith(COMPONENT_CLI)) {
      this.#componentRounds.add(b.agent.id);
      try {
        end = await this.#componentRound(b);
      } finally {
        this.#componentRounds.delete(b.agent.id);
      }
      await this.#ctx.write((d, emit) => this.#end(d, b, end, emit), { fenced: this.#opts.fenced() });
      return;
    }
    try {
      end = await this.runner.run({
        agentId: b.agent.id,
        command: b.command,
        prompt: b.prompt,
        promptPath: join(dir, `round-${b.round.n}.prompt`),
        logPath: b.round.log,
        cwd: this.#opts.cwd,
        env: {
          TAHO_AGENT_ID: b.agent.id, TAHO_AGENT_NAME: b.agent.name, TINYTOWN_AGENT_ID: b.agent.id, TINYTOWN_AGENT_NAME: b.agent.name, TAHO_TASK_ID: b.task.id, TAHO_ROUND: String(b.round.n),
          ...(node === undefined ? {} : { TAHO_NODE: node }),
        },
        heartbeatMs: this.#opts.heartbeatMs,
        resultBytes: this.#opts.resultBytes,
        onStart: (pid) => void this.#ctx.write(async (d) => {
          const a = await d.agent(b.agent.id);
          if (a !== undefined && a.current_task === b.task.id) d.putAgent(unwrap(recordPid(a, pid, this.#ctx.now())));
          d.putRound({ ...b.round, pid });
        }, { fenced: this.#opts.fenced() }).catch(() => undefined), // recover treats a round without a pid as gone
        onHeartbeat: () => this.#beat(b),
      });
    } catch (err) {
      // The command could not even be parsed: fail the task rather than leave it running.
      end = { exitCode: 127, signal: null, killed: false, tail: err instanceof Error ? err.message : String(err) };
    }
    await this.#ctx.write((d, emit) => this.#end(d, b, end, emit), { fenced: this.#opts.fenced() });
  }

  /** No process: the durable agent's invocation is the round; its answer is the output. */
  async #componentRound(b: Begun): Promise<RoundEnd> {
    const run = this.#opts.componentRound;
    let exitCode: number;
    let output: string;
    if (!run) {
      exitCode = 127;
      output = 'component agents need the runtime (taho serve)';
    } else {
      ({ exitCode, output } = await run(b.command, b.agent.name, b.task.id, b.prompt).catch((err: unknown) => ({ exitCode: 134, output: err instanceof Error ? err.message : String(err) })));
    }
    writeFileSync(b.round.log, output.endsWith('\n') ? output : `${output}\n`);
    return { exitCode, signal: null, killed: false, tail: output.slice(-this.#opts.resultBytes) };
  }

  #beat(b: Begun): void {
    this.#ctx.write(async (d) => {
      const a = await d.agent(b.agent.id);
      if (a !== undefined && a.current_task === b.task.id) d.putAgent(heartbeat(a, this.#ctx.now()));
    }, { fenced: this.#opts.fenced() }).catch(() => {
      // A busy store skips one beat; the next one catches up.
    });
  }

  async #end(store: TownDraft, b: Begun, end: RoundEnd, emit: Emit): Promise<void> {
    const now = this.#ctx.now();
    const round = await store.lastRound(b.agent.id);
    store.putRound({ ...(round?.n === b.round.n ? round : b.round), ended_at: now, exit_code: end.exitCode, signal: end.signal });
    // kill, restart or cancel ended it and already recorded what that means for agent and task.
    if (end.killed) return;
    if (end.exitCode === null) {
      emit('agent', 'round_lost', { agent_id: b.agent.id, name: b.agent.name, task_id: b.task.id, signal: end.signal });
      return;
    }
    const task = await store.task(b.task.id);
    if (task !== undefined && task.state === 'running' && task.assigned_to === b.agent.id) {
      const next = end.exitCode === 0 ? unwrap(completeTask(task, end.tail, now)) : unwrap(failTask(task, `exit code ${end.exitCode}${end.tail === '' ? '' : `: ${end.tail}`}`, now));
      store.putTask(next);
      emit('task', next.state, { task_id: task.id, agent_id: b.agent.id, exit_code: end.exitCode, result: next.result });
    }
    const agent = await store.agent(b.agent.id);
    if (agent !== undefined && agent.current_task === b.task.id) {
      const done = finishRound(agent, end.exitCode, now);
      if (!(done instanceof Error)) {
        store.putAgent(done);
        agentChanged(emit, agent, done, 'round_finished');
      }
    }
  }
}

function prompt(task: Task, notes: readonly InboxRow[]): string {
  if (notes.length === 0) return task.description;
  const lines = notes.map((n) => `- from ${n.message.from} (${n.message.type}): ${n.message.body}`);
  return `${task.description}\n\nMessages for you:\n${lines.join('\n')}\n`;
}
