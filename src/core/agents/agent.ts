import { randomUUID } from 'node:crypto';
import { TahoError } from '../errors.js';
import type { ComponentEntry } from '../components/registry.js';
import type { CallPlan, Json } from '../services/call-plan.js';
import { CallFailure } from '../services/executor.js';
import { componentError, trapError } from '../services/failures.js';
import type { AgentStore, AppendEvent, HostRecord, NewOplogEntry, OplogEntry } from '../store/ports/agents.js';
import type { Fence } from '../store/ports/leases.js';
import { diverged } from './host-journal.js';
import { InstanceLost, type AgentHost, type AgentInstance, type Step, type StepResult } from './instance.js';

/** Replayed calls sent to the instance in one message: fewer thread round trips, bounded memory. */
const REPLAY_BATCH = 512;

/** Golem's snapshot interfaces (examples/wit/snapshot.wit). */
const SNAPSHOT_SAVE = 'golem:api/save-snapshot@1.1.7';
const SNAPSHOT_LOAD = 'golem:api/load-snapshot@1.1.7';

/** An instance's entry was refused because the shard's fence changed since the instance was rebuilt. */
class StaleInstance extends Error {}

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
  readonly #host: AgentHost;
  readonly #plans: ReadonlyMap<string, CallPlan>;
  readonly #timeoutMs: number;
  readonly #running = new Map<string, Promise<Invocation>>();
  /** Queued calls that have not started, by key: these can still be canceled. */
  readonly #waiting = new Map<string, { canceled: boolean }>();
  #instance: AgentInstance | undefined;
  /** The fence `#instance` was rebuilt under (cluster only): its entries are written with this one. */
  #fence: Fence | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #failure: TahoError | undefined;
  #interrupted = false;
  /**
   * Set when a cluster node lets go of the agent at once (its shard was lost): another node owns
   * its state now, and this node may hold the shard again later, so a queued or running call
   * must not run or write here any more, whatever fence the node holds by then.
   */
  #retired = false;

  readonly #snapshotEvery: number;
  /** How many entries the last rebuild replayed (after the snapshot it started from, if any). */
  lastReplayed = 0;


  readonly #onChange: ((subject: string, change: string, data: Readonly<Record<string, unknown>>) => void) | undefined;
  readonly #onCall: ((ms: number, ok: boolean) => void) | undefined;
  /** `domain/service/name`: the subject of this agent's events. */
  readonly #subject: string;
  /** The agent's record (created if new): its WASI arguments and environment, read before the first instance. */
  readonly #record: Promise<{ args: readonly string[]; env: Readonly<Record<string, string>> } | undefined>;
  /** Errors already answered from the log or written to it with their event: not told again. */
  readonly #recorded = new WeakSet<object>();

  constructor(entry: ComponentEntry, name: string, store: AgentStore, host: AgentHost, plans: ReadonlyMap<string, CallPlan>, options: {
    snapshotEvery: number;
    timeoutMs: number;
    onChange?: (subject: string, change: string, data: Readonly<Record<string, unknown>>) => void;
    onCall?: (ms: number, ok: boolean) => void;
    /** The agent's stored record; the WASI arguments and environment come from it. */
    record: Promise<{ args: readonly string[]; env: Readonly<Record<string, string>> } | undefined>;
  }) {
    this.#onChange = options.onChange;
    this.#onCall = options.onCall;
    this.#record = options.record;
    this.#subject = `${entry.domain}/${entry.service}/${name}`;
    this.entry = entry;
    this.name = name;
    this.#store = store;
    this.#host = host;
    this.#plans = plans;
    this.#snapshotEvery = options.snapshotEvery;
    this.#timeoutMs = options.timeoutMs;
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
    this.#drop();
  }

  async resume(): Promise<void> {
    this.#interrupted = false;
    await this.load();
  }

  get pending(): number {
    return this.#queued;
  }

  get loaded(): boolean {
    return this.#instance !== undefined;
  }

  /** Linear memory its instance holds (0 when not in memory). */
  get memoryBytes(): number {
    return this.#instance?.memoryBytes() ?? 0;
  }

  /**
   * Enqueues a call. A key seen before answers with the stored result (or joins the call still
   * running) and never executes twice.
   */
  async invoke(method: string, input: unknown, given?: string): Promise<Invocation> {
    // Everything up to the first await runs at once, so a second call with the same key always
    // finds the first one while it runs (the store cannot see it before its append). A stored
    // answer is looked up in the call's turn in the queue. A key made here is new: nothing to look up.
    const key = given ?? randomUUID();
    if (given !== undefined) {
      const running = this.#running.get(key);
      if (running) return running;
    }
    const plan = this.#plan(method);
    plan.args(input); // bad arguments are refused before they take a place in the queue
    this.#interrupted = false;
    this.#queued += 1;
    const ticket = { canceled: false };
    this.#waiting.set(key, ticket);
    const t0 = this.#onCall ? performance.now() : 0;
    const job = this.#tail.then(async () => {
      this.#waiting.delete(key);
      if (this.#retired) throw this.#moved();
      if (ticket.canceled) {
        throw new TahoError('TAHO_INVOCATION_CANCELED', `the invocation ${key} of ${this.name} was canceled before it started`, {
          hint: 'It never ran; send it again (with a new idempotency key) to run it.',
        });
      }
      if (given !== undefined) {
        const stored = await this.#store.byKey(this.entry.id, this.name, key);
        if (stored) return this.#stored(stored);
      }
      return this.#run(method, plan, input, key);
    }).then((r) => {
      if (!r.replayed) this.#onCall?.(performance.now() - t0, true);
      return r;
    }, (err: unknown) => {
      if (!ticket.canceled) this.#onCall?.(performance.now() - t0, false);
      // Failures whose entry was appended carry their event in the same write; the others are told here.
      if (!(err instanceof Object && this.#recorded.has(err))) {
        const code = err instanceof TahoError ? err.code : 'TAHO_INTERNAL';
        this.#onChange?.(this.#subject, 'failed', { fn: method, key, code });
      }
      throw err;
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

  /** Lets go of the agent for good: what is queued fails with TAHO_NOT_OWNER (the caller retries on the new owner). */
  retire(): void {
    this.#retired = true;
  }

  #moved(): TahoError {
    return new TahoError('TAHO_NOT_OWNER', `agent ${this.#subject} moved to another node of the cluster before this call was stored`, {
      hint: 'Send the call again (with the same Idempotency-Key) to any node: it forwards to the new owner.',
    });
  }

  /** Resolves when nothing is queued. */
  async idle(): Promise<void> {
    await this.#tail;
  }

  /** Drops the in-memory instance; the next call rebuilds it from the oplog. */
  evict(): boolean {
    if (this.#queued > 0) return false;
    this.#drop();
    return true;
  }

  /** Rebuilds state now (used on start-up and by tests and benchmarks). */
  async load(): Promise<void> {
    if (this.#instance) return;
    if (this.#failure) throw this.#failure;
    // The WASI arguments and environment the agent was created with: fixed, so replay sees the same.
    const record = await this.#record;
    if (this.#instance) return;
    // Taken before the state is read: what is read is then what the fence's holder wrote.
    const fence = await this.#store.fenceOf?.(this.entry.id, this.name);
    if (this.#instance) return;
    const instance = await this.#host.open(this.entry, { arguments: record?.args ?? [], environment: record?.env ?? {} });
    try {
      const from = await this.#restoreSnapshot(instance);
      let replayed = 0;
      let batch: OplogEntry[] = [];
      const flush = async (): Promise<void> => {
        await this.#replay(instance, batch);
        replayed += batch.length;
        batch = [];
      };
      for (const e of await this.#store.oplog(this.entry.id, this.name, from)) {
        if (e.kind !== 'completed') continue;
        batch.push(e);
        if (batch.length >= REPLAY_BATCH) await flush();
      }
      await flush();
      this.lastReplayed = replayed;
    } catch (err) {
      instance.dispose();
      // A lost thread or a replay past the timeout says nothing about the oplog: the next call retries.
      if (err instanceof InstanceLost || (err instanceof TahoError && err.code === 'TAHO_INVOKE_TIMEOUT')) throw err;
      this.#failure = err instanceof TahoError ? err : diverged(String(err));
      throw this.#failure;
    }
    this.#instance = instance;
    this.#fence = fence;
  }

  #drop(): void {
    this.#instance?.dispose();
    this.#instance = undefined;
    this.#fence = undefined;
  }

  /** Loads the latest snapshot into the instance; returns the entry replay starts after (0: none). */
  async #restoreSnapshot(instance: AgentInstance): Promise<number> {
    const load = this.#plans.get(`${SNAPSHOT_LOAD}.{load}`);
    const snapshot = load ? await this.#store.latestSnapshot(this.entry.id, this.name) : undefined;
    if (!load || !snapshot) return 0;
    const [r] = await instance.run([{ path: load.path, args: [snapshot.bytes], label: 'load-snapshot' }], this.#timeoutMs);
    if (r && 'ok' in r && r.ok) return snapshot.seq;
    // A snapshot the component refuses costs time, not correctness: replay everything instead.
    if (r && 'ok' in r && r.trap) throw new InstanceLost('load-snapshot trapped');
    return 0;
  }

  /** Saves a snapshot every N entries, when the component exports save-snapshot. */
  async #maybeSnapshot(instance: AgentInstance, seq: number): Promise<void> {
    if (this.#snapshotEvery <= 0 || seq % this.#snapshotEvery !== 0) return;
    const save = this.#plans.get(`${SNAPSHOT_SAVE}.{save}`);
    if (!save) return;
    try {
      const [r] = await instance.run([{ path: save.path, args: [], label: 'save-snapshot' }], this.#timeoutMs);
      if (r && 'ok' in r && r.ok && r.value instanceof Uint8Array) await this.#store.saveSnapshot(this.entry.id, this.name, seq, r.value);
      else if (r && 'ok' in r && !r.ok && r.trap && this.#instance === instance) this.#drop();
    } catch {
      // No snapshot this time; the oplog alone still rebuilds the agent.
      if (this.#instance === instance) this.#drop();
    }
  }

  /** Replays completed entries; each must answer exactly what it answered when recorded. */
  async #replay(instance: AgentInstance, entries: readonly OplogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const plans = entries.map((e) => this.#plan(e.fn));
    const steps: Step[] = entries.map((e, i) => ({ path: plans[i]!.path, args: plans[i]!.args(e.params), replay: e.host, label: `${e.fn} (entry ${e.seq})` }));
    const results = await instance.run(steps, this.#timeoutMs * entries.length);
    entries.forEach((e, i) => {
      const r = results[i];
      if (!r) throw diverged(`${e.fn} (entry ${e.seq}) was not replayed`);
      const json = replayedJson(e, plans[i]!, r);
      if (JSON.stringify(json) !== JSON.stringify(e.result)) {
        throw diverged(`${e.fn} (entry ${e.seq}) returned ${JSON.stringify(json)} on replay, ${JSON.stringify(e.result)} when recorded`);
      }
    });
  }

  async #run(method: string, plan: CallPlan, input: unknown, key: string): Promise<Invocation> {
    try {
      return await this.#runOnce(method, plan, input, key);
    } catch (err) {
      if (!(err instanceof StaleInstance)) throw err;
    }
    // The shard went to another node and came back while the instance was in memory: what ran
    // was not stored (the instance may have missed entries). Rebuilt from the oplog under the
    // fence held now, the call runs again; a second refusal means the shard is moving now.
    try {
      return await this.#runOnce(method, plan, input, key);
    } catch (err) {
      if (err instanceof StaleInstance) throw this.#moved();
      throw err;
    }
  }

  async #runOnce(method: string, plan: CallPlan, input: unknown, key: string): Promise<Invocation> {
    let r: StepResult | undefined;
    let instance: AgentInstance;
    let fence: Fence | undefined;
    // A lost instance means the call never started: rebuild and run it again (twice at most).
    const lost = (err: InstanceLost): TahoError => trapError(`${this.name} ${method}`, err.message, 'Retry the call; its agent could not be kept in memory.');
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.load();
      } catch (err) {
        // Opening or rebuilding queued on a thread that was then stopped for another agent's call.
        if (err instanceof InstanceLost && attempt < 2) continue;
        throw err instanceof InstanceLost ? lost(err) : err;
      }
      instance = this.#instance as AgentInstance;
      fence = this.#fence;
      try {
        [r] = await instance.run([{ path: plan.path, args: plan.args(input), label: `${this.name} ${method}` }], this.#timeoutMs);
        break;
      } catch (err) {
        if (this.#instance === instance) this.#drop();
        if (err instanceof InstanceLost && attempt < 2) continue;
        if (err instanceof InstanceLost) throw lost(err);
        const error = err instanceof CallFailure ? trapError(`${this.name} ${method}`, err.message, 'The invocation had no effect on the agent\'s state; the agent is rebuilt for the next call.') : err;
        if (error instanceof TahoError) await this.#appendFailed(method, input, key, [], error);
        throw error;
      }
    }
    if (!r || 'diverged' in r) throw diverged(`${method} diverged while running live`);
    const base = { fn: method, params: (input ?? null) as Json, host: r.host, key, at: Date.now() };
    // The instance ran the call: if its entry is not stored (a store fault, a lost shard), the
    // instance is ahead of the oplog and must go, so the next call rebuilds from what was stored.
    const record = async (entry: NewOplogEntry, event: AppendEvent): Promise<number> => {
      try {
        if (this.#retired) throw this.#moved();
        return await this.#store.append(this.entry.id, this.name, entry, event, fence);
      } catch (err) {
        if (this.#instance === instance) this.#drop();
        if (fence && err instanceof TahoError && err.code === 'TAHO_LEASE_LOST') throw new StaleInstance(err.message);
        throw err;
      }
    };
    if (r.ok) {
      const result = plan.result(r.value);
      const seq = await record({ ...base, kind: 'completed', result }, { type: 'invoked', subject: this.#subject, data: { fn: method, key } });
      if (this.#instance === instance) await this.#maybeSnapshot(instance, seq);
      return { seq, result, replayed: false };
    }
    const label = `${this.name} ${method}`;
    if (!r.trap && plan.error) {
      const payload = plan.error(r.payload);
      const error = componentError(label, payload);
      await record({ ...base, kind: 'completed', result: payload, error: { code: error.code, message: error.message } }, { type: 'failed', subject: this.#subject, data: { fn: method, key, code: error.code } });
      this.#recorded.add(error);
      throw error;
    }
    // A trap leaves the instance unusable and its partial effects undefined: the call counts as
    // not having happened, and the next one rebuilds the instance from the oplog.
    if (this.#instance === instance) this.#drop();
    const error = trapError(label, r.message, 'The invocation had no effect on the agent\'s state; the agent is rebuilt for the next call.');
    await this.#appendFailed(method, input, key, r.host, error);
    throw error;
  }

  /** A call that had no effect (trap, timeout) is kept so a retry with its key gets the same answer. */
  async #appendFailed(method: string, input: unknown, key: string, host: readonly HostRecord[], error: TahoError): Promise<void> {
    await this.#store.append(this.entry.id, this.name, {
      fn: method, params: (input ?? null) as Json, host, key, at: Date.now(), kind: 'failed', result: null, error: { code: error.code, message: error.message },
    }, { type: 'failed', subject: this.#subject, data: { fn: method, key, code: error.code } });
    this.#recorded.add(error);
  }

  /** A stored entry's answer: a result, or its error (already in the log, not told again). */
  #stored(e: OplogEntry): Invocation {
    try {
      return answer(e, true);
    } catch (err) {
      if (err instanceof Object) this.#recorded.add(err);
      throw err;
    }
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

/** What a replayed call answered, as JSON comparable with the recorded result. */
function replayedJson(e: OplogEntry, plan: CallPlan, r: StepResult): Json {
  if ('diverged' in r) throw diverged(r.diverged);
  if (r.ok) return plan.result(r.value);
  if (r.trap || !plan.error) throw diverged(`${e.fn} (entry ${e.seq}) trapped on replay: ${r.message}`);
  return plan.error(r.payload);
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
