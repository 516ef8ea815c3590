import { randomUUID } from 'node:crypto';
import { TahoError } from '../errors.js';
import type { ComponentLoader } from '../components/loader.js';
import type { ComponentEntry } from '../components/registry.js';
import type { CallPlan, Json } from '../services/call-plan.js';
import { CallFailure } from '../services/executor.js';
import { InlineExecutor } from '../services/inline-executor.js';
import { componentError, trapError } from '../services/failures.js';
import type { AgentStore, OplogEntry } from '../store/contract.js';
import { diverged, HostJournal } from './host-journal.js';

/** Golem's snapshot interfaces (examples/wit/snapshot.wit). */
const SNAPSHOT_SAVE = 'golem:api/save-snapshot@1.1.7';
const SNAPSHOT_LOAD = 'golem:api/load-snapshot@1.1.7';

export type AgentStatus = 'Idle' | 'Running' | 'Interrupted' | 'Failed';

export interface Invocation {
  readonly seq: number;
  readonly result: Json;
  /** True when an earlier call with the same idempotency key answered, and nothing ran now. */
  readonly replayed: boolean;
}

/**
 * One durable agent: a component instance whose state is its oplog. Invocations run one at a
 * time in arrival order; each is acknowledged only after its entry is committed, and the state
 * is rebuilt after a restart or eviction by replaying completed entries with the host answers
 * they recorded.
 */
export class DurableAgent {
  readonly entry: ComponentEntry;
  readonly name: string;
  readonly #store: AgentStore;
  readonly #loader: ComponentLoader;
  readonly #plans: ReadonlyMap<string, CallPlan>;
  readonly #journal = new HostJournal();
  readonly #running = new Map<string, Promise<Invocation>>();
  /** Queued calls that have not started, by key: these can still be canceled. */
  readonly #waiting = new Map<string, { canceled: boolean }>();
  #executor: InlineExecutor | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #failure: TahoError | undefined;
  #interrupted = false;

  readonly #snapshotEvery: number;
  /** How many entries the last rebuild replayed (after the snapshot it started from, if any). */
  lastReplayed = 0;

  /** The WASI arguments and environment the agent was created with: fixed, so replay sees the same. */
  readonly #wasi: { arguments: readonly string[]; environment: Readonly<Record<string, string>> };

  constructor(entry: ComponentEntry, name: string, store: AgentStore, loader: ComponentLoader, plans: ReadonlyMap<string, CallPlan>, snapshotEvery = 0) {
    const record = store.getAgent(entry.id, name);
    this.#wasi = { arguments: record?.args ?? [], environment: record?.env ?? {} };
    this.entry = entry;
    this.name = name;
    this.#store = store;
    this.#loader = loader;
    this.#plans = plans;
    this.#snapshotEvery = snapshotEvery;
  }

  get status(): AgentStatus {
    return this.#failure ? 'Failed' : this.#queued > 0 ? 'Running' : this.#interrupted ? 'Interrupted' : 'Idle';
  }

  /**
   * Golem's interrupt: the agent lets go of its instance once its queue is empty and shows
   * Interrupted until it is resumed or called again (which rebuilds it from the oplog).
   */
  async interrupt(): Promise<void> {
    this.#interrupted = true;
    await this.idle();
    this.#executor = undefined;
  }

  async resume(): Promise<void> {
    this.#interrupted = false;
    await this.load();
  }

  get pending(): number {
    return this.#queued;
  }

  get loaded(): boolean {
    return this.#executor !== undefined;
  }

  /**
   * Enqueues a call. A key seen before answers with the stored result (or joins the call still
   * running) and never executes twice.
   */
  async invoke(method: string, input: unknown, key: string = randomUUID()): Promise<Invocation> {
    // Everything up to the first await runs at once, so a second call with the same key always
    // finds the first one (stored or running).
    const stored = this.#store.byKey(this.entry.id, this.name, key);
    if (stored) return answer(stored, true);
    const running = this.#running.get(key);
    if (running) return running;
    const plan = this.#plan(method);
    plan.args(input); // bad arguments are refused before they take a place in the queue
    this.#interrupted = false;
    this.#queued += 1;
    const ticket = { canceled: false };
    this.#waiting.set(key, ticket);
    const job = this.#tail.then(() => {
      this.#waiting.delete(key);
      if (ticket.canceled) {
        throw new TahoError('TAHO_INVOCATION_CANCELED', `the invocation ${key} of ${this.name} was canceled before it started`, {
          hint: 'It never ran; send it again (with a new idempotency key) to run it.',
        });
      }
      return this.#run(method, plan, input, key);
    }).finally(() => {
      this.#queued -= 1;
      this.#running.delete(key);
    });
    this.#tail = job.catch(() => undefined);
    this.#running.set(key, job);
    return job;
  }

  /** Cancels a queued invocation that has not started; false when it started, finished or is unknown. */
  cancel(key: string): boolean {
    const ticket = this.#waiting.get(key);
    if (!ticket) return false;
    ticket.canceled = true;
    this.#waiting.delete(key);
    return true;
  }

  /** Resolves when nothing is queued. */
  async idle(): Promise<void> {
    await this.#tail;
  }

  /** Drops the in-memory instance; the next call rebuilds it from the oplog. */
  evict(): boolean {
    if (this.#queued > 0) return false;
    this.#executor = undefined;
    return true;
  }

  /** Rebuilds state now (used on start-up and by tests and benchmarks). */
  async load(): Promise<void> {
    if (this.#executor) return;
    if (this.#failure) throw this.#failure;
    const executor = new InlineExecutor(() => this.#loader.instantiate(this.entry, { ...this.#journal.hooks, ...this.#wasi }));
    await executor.warm();
    try {
      const from = this.#restoreSnapshot(executor);
      let replayed = 0;
      for (const e of this.#store.oplog(this.entry.id, this.name, from)) {
        if (e.kind !== 'completed') continue;
        this.#replayOne(executor, e);
        replayed += 1;
      }
      this.lastReplayed = replayed;
    } catch (err) {
      this.#failure = err instanceof TahoError ? err : diverged(String(err));
      throw this.#failure;
    }
    this.#executor = executor;
  }

  /** Loads the latest snapshot into a fresh instance; returns the entry replay starts after (0: none). */
  #restoreSnapshot(executor: InlineExecutor): number {
    const load = this.#plans.get(`${SNAPSHOT_LOAD}.{load}`);
    const snapshot = load ? this.#store.latestSnapshot(this.entry.id, this.name) : undefined;
    if (!load || !snapshot) return 0;
    try {
      executor.callSync(load.path, [snapshot.bytes]);
      return snapshot.seq;
    } catch {
      // A snapshot the component refuses costs time, not correctness: replay everything instead.
      return 0;
    }
  }

  /** Saves a snapshot every N entries, when the component exports save-snapshot. */
  #maybeSnapshot(executor: InlineExecutor, seq: number): void {
    if (this.#snapshotEvery <= 0 || seq % this.#snapshotEvery !== 0) return;
    const save = this.#plans.get(`${SNAPSHOT_SAVE}.{save}`);
    if (!save) return;
    try {
      const bytes = executor.callSync(save.path, []);
      if (bytes instanceof Uint8Array) this.#store.saveSnapshot(this.entry.id, this.name, seq, bytes);
    } catch {
      // No snapshot this time; the oplog alone still rebuilds the agent.
    }
  }

  #replayOne(executor: InlineExecutor, e: OplogEntry): void {
    const plan = this.#plan(e.fn);
    this.#journal.replay(e.host, `${e.fn} (entry ${e.seq})`);
    let json: Json;
    try {
      json = plan.result(executor.callSync(plan.path, plan.args(e.params)));
    } catch (err) {
      const f = CallFailure.from(err);
      if (f.trap || !plan.error) throw diverged(`${e.fn} (entry ${e.seq}) trapped on replay: ${f.message}`);
      json = plan.error(f.payload);
    }
    this.#journal.finishReplay();
    if (JSON.stringify(json) !== JSON.stringify(e.result)) {
      throw diverged(`${e.fn} (entry ${e.seq}) returned ${JSON.stringify(json)} on replay, ${JSON.stringify(e.result)} when recorded`);
    }
  }

  async #run(method: string, plan: CallPlan, input: unknown, key: string): Promise<Invocation> {
    await this.load();
    const executor = this.#executor as InlineExecutor;
    this.#journal.live();
    let value: unknown;
    let failure: CallFailure | undefined;
    try {
      value = executor.callSync(plan.path, plan.args(input));
    } catch (err) {
      failure = CallFailure.from(err);
    }
    const host = this.#journal.take();
    const base = { fn: method, params: (input ?? null) as Json, host, key, at: Date.now() };
    if (!failure) {
      const result = plan.result(value);
      const seq = await this.#store.append(this.entry.id, this.name, { ...base, kind: 'completed', result });
      if (this.#executor === executor) this.#maybeSnapshot(executor, seq);
      return { seq, result, replayed: false };
    }
    const label = `${this.name} ${method}`;
    if (!failure.trap && plan.error) {
      const payload = plan.error(failure.payload);
      const error = componentError(label, payload);
      await this.#store.append(this.entry.id, this.name, { ...base, kind: 'completed', result: payload, error: { code: error.code, message: error.message } });
      throw error;
    }
    // A trap leaves the instance unusable and its partial effects undefined: the call counts as
    // not having happened, and the next one rebuilds the instance from the oplog.
    this.#executor = undefined;
    const error = trapError(label, failure.message, 'The invocation had no effect on the agent\'s state; the agent is rebuilt for the next call.');
    await this.#store.append(this.entry.id, this.name, { ...base, kind: 'failed', result: null, error: { code: error.code, message: error.message } });
    throw error;
  }

  #plan(method: string): CallPlan {
    const plan = this.#plans.get(method);
    if (plan) return plan;
    const names = [...new Set([...this.#plans.values()].map((p) => p.fn.name))];
    throw new TahoError('TAHO_METHOD_NOT_FOUND', `${this.entry.domain}/${this.entry.service} has no function "${method}"; it has: ${names.join(', ')}`, {
      hint: 'Function names are WIT names: `fn`, or `ns:pkg/iface.{fn}` for interface exports.',
      details: { functions: names },
    });
  }
}

/** The stored answer of an entry, as the original call gave it. */
function answer(e: OplogEntry, replayed: boolean): Invocation {
  if (e.error) {
    throw new TahoError(e.error.code as 'TAHO_COMPONENT_ERROR', e.error.message, {
      hint: 'This idempotency key was used before; this is that call\'s answer.',
      ...(e.kind === 'completed' ? { details: { error: e.result } } : {}),
    });
  }
  return { seq: e.seq, result: e.result, replayed };
}
