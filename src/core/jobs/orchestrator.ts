import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { readOutput } from './output.js';
import { join } from 'node:path';
import { ambiguousId as ambiguous, TahoError } from '../errors.js';
import { listJobs } from './list.js';
import { executionFiles, type ClusterExecutions, type ComputeNode, type ExecutionOutcome, type NodeSnapshot, type RunningExecution } from './compute.js';
import {
  ComputeState, TERMINAL_COMPUTE_STATES, TERMINAL_JOB_STATES, shortId,
  type Execution, type Job, type JobHistory, type JobStateType, type SpecConfig,
} from './model.js';
import { decodeToken, encodeToken } from './paging.js';
import { changeWaiter, executionLogs, type FollowOptions, type LogLine, type NextChange } from './logs.js';
import { hasRoom, place, queueOrder, rejectionOf, withPlaced } from './scheduler.js';
import { Snapshots, Turn } from './snapshots.js';
import type { JobStore } from '../store/ports/jobs.js';
import type { Fence } from '../store/ports/leases.js';
import { JobChange } from './change.js';
import { clockNow, type Plan, type Snapshot } from './transitions/plan.js';
import { finish, launch, type ExecutionReport } from './transitions/execution.js';
import { interrupt } from './transitions/interrupt.js';
import { noNodeSummary, queueTimeout, rerun, stop, submitNew, submitUpdate, totalTimeout, wait as waitFor } from './transitions/job.js';
import { validateSubmission, type JobDraft } from './submit.js';

export interface OrchestratorOptions {
  /** Executions' files live under `<dataDir>/jobs/<job id>/<execution id>/`. */
  readonly dataDir: string;
  /** ExecutionTimeout when a task sets none (seconds). */
  readonly defaultTimeoutS: number;
  /** Finished jobs older than this are deleted with their files (ms; 0: keep forever). */
  readonly retainForMs: number;
  /** Executions a job may have after a server restart interrupted it (1: never re-queued). */
  readonly maxAttempts: number;
  /** Resolves at the job's next change (state, or output written) or when `signal` aborts: what log follows wait on. */
  readonly nextChange: (jobId: string, signal: AbortSignal) => Promise<void>;
  /** The fence of the `jobs` lease this process holds: every write carries it, so a process that lost the lease writes nothing. */
  readonly fence?: (() => Fence | undefined) | undefined;
}

export interface SubmitOptions {
  readonly force?: boolean | undefined;
  readonly idempotencyKey?: string | undefined;
  readonly meta?: Readonly<Record<string, string>> | undefined;
}

export interface SubmitResult { readonly JobID: string; readonly EvaluationID: string; readonly Warnings: string[] | null }

export interface ListQuery {
  readonly namespace?: string | undefined;
  readonly labels?: string | undefined;
  readonly limit?: number | undefined;
  readonly nextToken?: string | undefined;
  readonly orderBy?: string | undefined;
  readonly reverse?: boolean | undefined;
}

export interface HistoryQuery {
  readonly since?: number | undefined;
  readonly eventType?: string | undefined;
  readonly executionId?: string | undefined;
  readonly limit?: number | undefined;
  readonly nextToken?: string | undefined;
  readonly jobVersion?: number | undefined;
  readonly allVersions?: boolean | undefined;
}

export interface Page<T> { readonly Items: T[]; readonly NextToken: string }

export interface JobExplanation {
  readonly JobID: string;
  readonly State: JobStateType;
  readonly Summary: string;
  readonly QueuePosition?: number | undefined;
  readonly QueueLength?: number | undefined;
  readonly Nodes: { readonly NodeID: string; readonly Accepted: boolean; readonly Reason: string }[];
  readonly QueueTimeoutLeftS?: number | undefined;
  readonly Executions: { readonly ID: string; readonly State: string; readonly Message: string }[];
}

interface QueueEntry {
  job: Job;
  needed: number;
  /** An execution of this version was launched (a timeout or a refusal no longer applies as "never ran"). */
  started: boolean;
  /** Its Pending → Queued transition was recorded. */
  queued: boolean;
}

interface EndedExecution {
  readonly jobId: string;
  readonly executionId: string;
  readonly outcome: ExecutionOutcome;
  readonly timeoutS: number;
}

interface Live {
  readonly running: RunningExecution;
  readonly jobId: string;
  readonly nodeId: string;
}

/**
 * The orchestrator: takes submissions, keeps the queue in priority order, places executions on
 * compute nodes through the ComputeNode interface, and writes every change of state as a
 * Bacalhau history event in the same transaction as the change.
 */
export class Orchestrator {
  readonly #store: JobStore;
  readonly #nodes: readonly ComputeNode[];
  readonly #options: OrchestratorOptions;
  readonly #live = new Map<string, Live>();
  readonly #snapshots: Snapshots;
  /** Executions that ended since the last turn applied their ends. */
  readonly #ends: EndedExecution[] = [];
  /** Jobs waiting for placement, with how many executions each still needs; kept in memory so scheduling reads no store. */
  readonly #queue = new Map<string, QueueEntry>();
  /** When the current version of each unfinished job was submitted (TotalTimeout counts from it). */
  readonly #submittedAt = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** The live nodes at the last tick: one that joins may take what waits. */
  #seenNodes = '';
  /**
   * Changes run one at a time, each reading the state its predecessor left (as one synchronous
   * transaction did before the store became async); waits for executions happen outside it.
   */
  #chain: Promise<unknown> = Promise.resolve();
  /** The last failure of a background change (a lost lease, a full disk): kept for /ready and tests. */
  lastError: unknown;

  /** In a cluster: executions go to the nodes' queues instead of `nodes`, and come back as reports. */
  readonly #cluster: ClusterExecutions | undefined;

  constructor(store: JobStore, nodes: readonly ComputeNode[], options: OrchestratorOptions, cluster?: ClusterExecutions) {
    this.#cluster = cluster;
    this.#store = store;
    this.#snapshots = new Snapshots(store);
    this.#nodes = nodes;
    this.#options = options;
  }

  /** Recovers what a killed server left running, collects old jobs, and starts scheduling. */
  async start(): Promise<{ requeued: string[]; failed: string[] }> {
    if (this.#timer) return { requeued: [], failed: [] };
    // Listening first: an execution that ends after the recovery asked its queue is heard.
    await this.#cluster?.start((jobId, executionId, outcome) => this.#ended(jobId, executionId, outcome, 0));
    const report = await this.#serial(() => this.#recover());
    await this.gc();
    this.#timer = setInterval(() => this.#background(() => this.#tick()), 500);
    this.#timer.unref();
    this.#pumpSoon();
    return report;
  }

  /** Runs `fn` after every change queued before it. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** A change nobody waits for (a timer, an execution's end): its failure is kept, not thrown. */
  #background(fn: () => Promise<void>): void {
    this.#serial(fn).catch((err: unknown) => {
      this.lastError = err;
    });
  }

  #pumpSoon(): void {
    setImmediate(() => this.#background(() => this.#pump()));
  }

  async #commit(d: JobChange): Promise<void> {
    if (!d.empty) await this.#store.commit(d.write(this.#options.fence?.()));
  }

  /**
   * Settles what a dead process left Running without starting to run jobs here (a read-only
   * CLI command when no server owns the data directory): the executions fail with the reason and
   * their jobs wait, re-queued, for the next process that runs jobs.
   */
  async settle(): Promise<{ requeued: string[]; failed: string[] }> {
    const report = await this.#serial(() => this.#recover());
    this.#queue.clear();
    return report;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#cluster) {
      // They run on their nodes: the next orchestrator takes them back from the store and the queues.
      await this.#cluster.close();
      await this.#chain;
      return;
    }
    // Executions stopped by a shutdown are re-queued (or failed) by the next start's recovery.
    const live = [...this.#live.values()];
    for (const l of live) l.running.stop();
    await Promise.all(live.map((l) => l.running.done));
    await this.#chain;
  }

  nodes(): NodeSnapshot[] {
    return this.#computeNodes().map((n) => n.snapshot());
  }

  node(id: string): NodeSnapshot {
    return nodeByPrefix(this.nodes(), id);
  }

  async submit(raw: unknown, options: SubmitOptions = {}): Promise<SubmitResult> {
    const again = { EvaluationID: '', Warnings: ['the same Idempotency-Key was used before: this is that job'] };
    if (options.idempotencyKey) {
      const first = await this.#store.jobForKey(options.idempotencyKey);
      if (first && (await this.#store.job(first))) return { JobID: first, ...again };
    }
    const v = validateSubmission(raw);
    if (!v.ok) {
      throw new TahoError('TAHO_BAD_REQUEST', v.errors.join('; '), { hint: 'Fix the job spec; every problem is listed.', details: { errors: v.errors } });
    }
    const draft: JobDraft = { ...v.draft, Meta: { ...v.draft.Meta, ...options.meta } };
    const evalId = `v-${randomUUID()}`;
    let result: Job;
    try {
      result = await this.#serial(async () => {
        const existing = draft.Name === '' ? undefined : (await this.#store.jobsByName(draft.Name, draft.Namespace))[0];
        let plan: Plan;
        if (existing) {
          if (sameSpec(existing, draft) && !options.force) {
            throw new TahoError('TAHO_CONFLICT', `no changes detected for new job spec. Job Name: '${existing.Name}', Job Id: '${existing.ID}'`, {
              hint: 'Use the --force flag to override this warning (Force: true), or change the spec.',
            });
          }
          plan = submitUpdate(await this.#snapshot(existing), draft, v.translated, clockNow());
        } else plan = submitNew(draft, `j-${randomUUID()}`, v.translated, clockNow());
        await this.#apply(plan, options.idempotencyKey ? { key: options.idempotencyKey, jobId: plan.job.ID } : undefined);
        return plan.job;
      });
    } catch (err) {
      // Two submissions raced with one key: the store kept the first; this is that job.
      const first = err instanceof TahoError && err.code === 'TAHO_CONFLICT' ? (err.details as { jobId?: string } | undefined)?.jobId : undefined;
      if (first) return { JobID: first, ...again };
      throw err;
    }
    this.#pumpSoon();
    return { JobID: result.ID, EvaluationID: evalId, Warnings: v.warnings.length > 0 ? v.warnings : null };
  }

  /** A job by name (in the namespace), full id, or unique id prefix. */
  async resolve(idOrName: string, namespace = 'default'): Promise<Job> {
    const byId = await this.#store.job(idOrName);
    if (byId) return byId;
    const named = await this.#store.jobsByName(idOrName, namespace);
    if (named.length === 1) return named[0] as Job;
    if (named.length > 1) throw ambiguous('job', idOrName, named.map((j) => j.ID));
    const found = idOrName.length >= 3 ? await this.#store.jobsByPrefix(idOrName) : [];
    if (found.length === 1) return found[0] as Job;
    if (found.length > 1) throw ambiguous('job', idOrName, found.map((j) => j.ID));
    throw new TahoError('TAHO_JOB_NOT_FOUND', `job not found: ${idOrName}`, { hint: '`taho jobs list` shows the jobs; ids may be shortened to a unique prefix.' });
  }

  async get(idOrName: string, namespace?: string, version = 0): Promise<Job> {
    const job = await this.resolve(idOrName, namespace);
    if (version === 0 || version === job.Version) return job;
    const old = await this.#store.version(job.ID, version);
    if (!old) throw new TahoError('TAHO_JOB_NOT_FOUND', `job ${job.ID} has no version ${version}`, { hint: `Its versions are 1 to ${job.Version}.` });
    return old;
  }

  /** A page of jobs, from the store's index (src/core/jobs/list.ts). */
  list(q: ListQuery): Promise<Page<Job>> {
    return listJobs(this.#store, q);
  }

  /** Stops a job: its executions are killed (gone when this resolves) and the job says why. */
  async stop(idOrName: string, reason = '', namespace?: string): Promise<{ EvaluationID: string }> {
    const live = await this.#serial(async () => {
      const job = await this.resolve(idOrName, namespace);
      const state = job.State.StateType;
      if (state === 'Completed') throw new TahoError('TAHO_CONFLICT', `cannot stop job in state ${state}`, { hint: 'The job finished already; nothing runs.' });
      if (TERMINAL_JOB_STATES.has(state)) return undefined;
      return this.#apply(stop(await this.#snapshot(job), reason, clockNow()));
    });
    if (live === undefined) return { EvaluationID: '' };
    // A cluster node stops its execution when it sees the job's event; one that stalls is not waited for long.
    await (this.#cluster ? Promise.race([Promise.all(live), new Promise((r) => setTimeout(r, 2000).unref())]) : Promise.all(live));
    this.#pumpSoon();
    return { EvaluationID: `v-${randomUUID()}` };
  }

  async executions(idOrName: string, options: { namespace?: string | undefined; jobVersion?: number | undefined; allVersions?: boolean | undefined } = {}): Promise<Execution[]> {
    const job = await this.resolve(idOrName, options.namespace);
    const version = options.jobVersion || job.Version;
    return (await this.#store.executions(job.ID)).filter((e) => options.allVersions || e.JobVersion === version);
  }

  async history(idOrName: string, q: HistoryQuery & { namespace?: string | undefined } = {}): Promise<Page<JobHistory>> {
    const job = await this.resolve(idOrName, q.namespace);
    let from = 1;
    let limit = q.limit ?? 100;
    if (q.nextToken) {
      const t = decodeToken(q.nextToken);
      if (typeof t === 'string') throw new TahoError('TAHO_BAD_REQUEST', t, { hint: 'Pass back the NextToken of the previous page unchanged.' });
      from = t.offset;
      limit = t.limit;
    }
    const version = q.jobVersion || 0;
    const since = q.since ? q.since * 1000 : 0;
    const matching = (await this.#store.history(job.ID, from)).filter((h) => (q.allVersions || version === 0 || h.JobVersion === version)
      && (q.eventType === undefined || q.eventType === 'all' || (q.eventType === 'job' ? h.Type === 'JobLevel' : h.Type === 'ExecutionLevel'))
      && (!q.executionId || (h.ExecutionID ?? '').startsWith(q.executionId))
      && (since === 0 || Date.parse(h.Time) >= since));
    const items = limit > 0 ? matching.slice(0, limit) : matching;
    const next = (items.at(-1)?.SeqNum ?? from - 1) + 1;
    // As Bacalhau: the token stays while the job is not terminal, so a client polls for what comes.
    const running = !TERMINAL_JOB_STATES.has((await this.#store.job(job.ID))?.State.StateType ?? 'Completed');
    const more = running || items.length < matching.length;
    return { Items: items, NextToken: more ? encodeToken({ sortBy: 'seq', reverse: false, limit, offset: next }) : '' };
  }

  /** Where each execution's results are, checked to exist: Bacalhau's SpecConfig items. */
  async results(idOrName: string, namespace?: string): Promise<SpecConfig[]> {
    const job = await this.resolve(idOrName, namespace);
    const publisher = job.Tasks[0]?.Publisher?.Type ?? '';
    if (publisher !== 'local') return [];
    return (await this.#store.executions(job.ID))
      .filter((e) => e.JobVersion === job.Version && e.ComputeState.StateType === ComputeState.Completed)
      .map((e) => this.#resultOf(e))
      .filter((r): r is SpecConfig => r !== null);
  }

  async versions(idOrName: string, namespace?: string): Promise<Job[]> {
    return this.#store.versions((await this.resolve(idOrName, namespace)).ID);
  }

  /** Runs a job again as a new version with the same spec. */
  async rerun(idOrName: string, options: { jobVersion?: number | undefined; reason?: string | undefined; namespace?: string | undefined } = {}): Promise<{ JobID: string; JobVersion: number; EvaluationID: string; Warnings: string[] }> {
    const next = await this.#serial(async () => {
      const job = await this.resolve(idOrName, options.namespace);
      if (!TERMINAL_JOB_STATES.has(job.State.StateType)) {
        throw new TahoError('TAHO_CONFLICT', `job ${job.ID} is ${job.State.StateType}; only a finished job can be rerun`, { hint: 'Stop it first, or wait for it to finish.' });
      }
      const base = options.jobVersion ? await this.get(job.ID, options.namespace, options.jobVersion) : job;
      const plan = rerun(await this.#snapshot(job), base, options.reason, clockNow());
      await this.#apply(plan);
      return plan.job;
    });
    this.#pumpSoon();
    return { JobID: next.ID, JobVersion: next.Version, EvaluationID: `v-${randomUUID()}`, Warnings: [] };
  }

  /** What submitting this spec would change on the job of the same name. */
  async diff(raw: unknown): Promise<{ Diff: string; Warnings: string[] }> {
    const v = validateSubmission(raw);
    if (!v.ok) throw new TahoError('TAHO_BAD_REQUEST', v.errors.join('; '), { hint: 'Fix the job spec; every problem is listed.', details: { errors: v.errors } });
    if (v.draft.Name === '') throw new TahoError('TAHO_BAD_REQUEST', 'the job needs a Name to be compared', { hint: 'Diff compares with the existing job of that name.' });
    const existing = (await this.#store.jobsByName(v.draft.Name, v.draft.Namespace))[0];
    if (!existing) return { Diff: `+ new job ${v.draft.Name}`, Warnings: v.warnings };
    return { Diff: lineDiff(specText(existing), specText(v.draft)), Warnings: v.warnings };
  }

  /** Why a job is where it is: queue position, every node's verdict, time left before QueueTimeout. */
  async explain(idOrName: string, namespace?: string): Promise<JobExplanation> {
    const job = await this.resolve(idOrName, namespace);
    const nodes = this.nodes();
    const verdicts = nodes.map((n) => {
      const r = rejectionOf(job, n);
      return { NodeID: n.id, Accepted: !r, Reason: r ? r.reason : 'it can run the job now' };
    });
    const executions = (await this.#store.executions(job.ID)).filter((e) => e.JobVersion === job.Version)
      .map((e) => ({ ID: e.ID, State: stateName(e.ComputeState.StateType), Message: e.ComputeState.Message ?? '' }));
    const queued = this.#queuedJobs();
    const position = queued.findIndex((j) => j.ID === job.ID);
    const qt = job.Tasks[0]?.Timeouts?.QueueTimeout ?? 0;
    const left = qt > 0 ? Math.max(0, qt - (Date.now() - job.ModifyTime / 1e6) / 1000) : undefined;
    const state = job.State.StateType;
    let summary: string;
    if (TERMINAL_JOB_STATES.has(state)) summary = `the job is ${state}${job.State.Message ? `: ${job.State.Message}` : ''}`;
    else if (position >= 0) {
      const accepted = verdicts.filter((v) => v.Accepted).length;
      summary = accepted > 0
        ? `waiting for its turn: ${position} job(s) ahead of it in the queue`
        : noNodeSummary(verdicts.map((v) => ({ nodeId: v.NodeID, reason: v.Reason })));
    } else summary = `running: ${executions.filter((e) => e.State === 'Running').length} execution(s) running`;
    return {
      JobID: job.ID, State: state, Summary: summary, Nodes: verdicts, Executions: executions,
      ...(position >= 0 ? { QueuePosition: position + 1, QueueLength: queued.length } : {}),
      ...(left === undefined ? {} : { QueueTimeoutLeftS: Math.round(left) }),
    };
  }

  /**
   * The execution whose logs to read: the one named (by id prefix), else the latest of the
   * job's current version; undefined while none has started. Throws for an unknown one.
   */
  async logExecution(idOrName: string, executionId?: string, namespace?: string): Promise<Execution | undefined> {
    const job = await this.resolve(idOrName, namespace);
    const all = await this.#store.executions(job.ID);
    if (executionId) {
      const found = all.filter((e) => e.ID.startsWith(executionId));
      if (found.length > 1) throw ambiguous('execution', executionId, found.map((e) => e.ID));
      if (!found[0]) throw new TahoError('TAHO_EXECUTION_NOT_FOUND', `execution ${executionId} of job ${job.ID} not found`, { hint: '`taho jobs executions <job>` lists them.', details: { executions: all.map((e) => e.ID) } });
      return found[0];
    }
    return all.filter((e) => e.JobVersion === job.Version).at(-1);
  }

  /** An execution's log lines (see executionLogs); with follow, waits for the job's first execution. */
  async *logs(idOrName: string, options: FollowOptions & { executionId?: string | undefined; namespace?: string | undefined }): AsyncGenerator<LogLine> {
    let e = await this.logExecution(idOrName, options.executionId, options.namespace);
    const job = await this.resolve(idOrName, options.namespace);
    const nextChange: NextChange = (signal) => this.#options.nextChange(job.ID, signal);
    while (!e && options.follow && !options.signal?.aborted && !TERMINAL_JOB_STATES.has((await this.#store.job(job.ID))?.State.StateType ?? 'Completed')) {
      const change = changeWaiter(nextChange, options.signal);
      e = await this.logExecution(idOrName, options.executionId, options.namespace);
      if (e) change.cancel();
      else await change.wait();
    }
    if (!e) return;
    yield* executionLogs({ execution: async (id) => this.#store.execution(id), executionDir: (j, x) => this.executionDir(j, x) }, e, options, nextChange);
  }

  /** The directory of an execution's files. */
  executionDir(jobId: string, executionId: string): string {
    return join(this.#options.dataDir, 'jobs', jobId, executionId);
  }

  /** Deletes finished jobs older than retain_for, with their files. */
  async gc(now = Date.now()): Promise<string[]> {
    if (this.#options.retainForMs <= 0) return [];
    const cutoff = (now - this.#options.retainForMs) * 1e6;
    const old = (await this.#store.jobs()).filter((j) => TERMINAL_JOB_STATES.has(j.State.StateType) && j.ModifyTime < cutoff);
    for (const j of old) {
      const d = new JobChange(this.#store);
      d.deleteJob(j.ID);
      await this.#serial(() => this.#commit(d));
      this.#snapshots.forget([j.ID]);
      rmSync(join(this.#options.dataDir, 'jobs', j.ID), { recursive: true, force: true });
    }
    return old.map((j) => j.ID);
  }

  // ---- scheduling ----

  #enqueue(job: Job, needed: number, started = false): void {
    this.#queue.set(job.ID, { job, needed, started, queued: job.State.StateType === 'Queued' });
    if (!this.#submittedAt.has(job.ID) || !started) this.#submittedAt.set(job.ID, Date.now());
  }

  #queuedEntries(): QueueEntry[] {
    return [...this.#queue.values()].sort((a, b) => queueOrder(a.job, b.job));
  }

  #queuedJobs(): Job[] {
    return this.#queuedEntries().map((e) => e.job);
  }

  /**
   * Places what the queue holds on nodes with room, as one turn: every launch and every "Queued"
   * of this pass is decided first (each seeing the ones before it) and written as one change,
   * then the executions start. A refused write changes no queue entry: the next pass tries again.
   */
  async #pump(): Promise<void> {
    if (this.#closed) return;
    const turn = new Turn(this.#snapshots);
    const launched: { entry: QueueEntry; execution: Execution; node: string }[] = [];
    const waited: QueueEntry[] = [];
    let nodes = this.nodes();
    const wait = async (entry: QueueEntry, placement: ReturnType<typeof place>): Promise<void> => {
      if (!('rejections' in placement)) return;
      const s = await turn.snapshot(entry.job.ID);
      turn.add(waitFor(s, placement.rejections, { started: entry.started || launched.some((l) => l.entry === entry), nodesMayJoin: this.#cluster !== undefined }, clockNow()).plan);
      waited.push(entry);
    };
    for (const entry of this.#queuedEntries()) {
      // Every node busy: nothing behind can start either; each waiting job is marked Queued once.
      if (!nodes.some((n) => n.connected && hasRoom(n))) {
        if (!entry.queued) await wait(entry, place(entry.job, nodes));
        continue;
      }
      for (let needed = entry.needed; needed > 0; needed--) {
        const placement = place(entry.job, nodes);
        if ('rejections' in placement) {
          await wait(entry, placement);
          break;
        }
        const { plan, execution } = launch(await turn.snapshot(entry.job.ID), { execution: `e-${randomUUID()}`, evaluation: `v-${randomUUID()}` }, placement.node.id, clockNow());
        turn.add(plan);
        launched.push({ entry, execution, node: placement.node.id });
        nodes = withPlaced(nodes, placement.node.id, entry.job);
      }
    }
    if (turn.plans.length === 0) return;
    // One write: each bid is accepted and its node starts it at once (a failure to stage its
    // inputs then shows as that execution failing, with the reason).
    await this.#applyAll(turn.plans);
    for (const entry of waited) entry.queued = true;
    for (const { entry, execution, node } of launched) {
      entry.needed -= 1;
      entry.started = true;
      if (entry.needed === 0) this.#queue.delete(entry.job.ID);
      this.#run(entry.job, execution, node);
    }
  }

  #run(job: Job, execution: Execution, nodeId: string): void {
    const timeoutS = job.Tasks[0]?.Timeouts?.ExecutionTimeout || this.#options.defaultTimeoutS;
    const computeNode = this.#computeNodes().find((n) => n.id === nodeId) as ComputeNode;
    let running: RunningExecution;
    try {
      running = computeNode.run({ job, execution, dir: this.executionDir(job.ID, execution.ID), timeoutMs: timeoutS * 1000 });
    } catch (err) {
      // Its directory could not be made (a full disk): the execution fails with the reason.
      running = { done: Promise.resolve({ exitCode: 126, error: `the execution could not start: ${err instanceof Error ? err.message : String(err)}`, durationMs: 0 }), stop: () => undefined };
    }
    this.#follow(job.ID, execution.ID, nodeId, running, timeoutS);
  }

  /** Waits for the execution's end, then applies it (with every other end heard meanwhile). */
  #follow(jobId: string, executionId: string, nodeId: string, running: RunningExecution, timeoutS: number): void {
    this.#live.set(executionId, { running, jobId, nodeId });
    void running.done.then((outcome) => {
      this.#live.delete(executionId);
      this.#ended(jobId, executionId, outcome, timeoutS);
    });
  }

  /** An execution ended: applied in the next turn, together with the others that ended by then. */
  #ended(jobId: string, executionId: string, outcome: ExecutionOutcome, timeoutS: number): void {
    if (this.#closed) return;
    this.#ends.push({ jobId, executionId, outcome, timeoutS });
    if (this.#ends.length > 1) return; // a turn is already queued for them
    this.#background(async () => {
      const ends = this.#ends.splice(0);
      try {
        await this.#applyAll(await this.#finishes(ends));
      } catch (err) {
        if (!(err instanceof TahoError && err.code === 'TAHO_CONFLICT') || ends.length === 1) throw err;
        // One of them was refused (its job moved under this orchestrator): the others are applied each on its own.
        for (const e of ends) await this.#applyAll(await this.#finishes([e])).catch((one: unknown) => { this.lastError = one; });
      }
      await this.#pump();
    });
  }

  #computeNodes(): readonly ComputeNode[] {
    return this.#cluster?.nodes() ?? this.#nodes;
  }

  /** The plans of executions that ended, decided in one turn (an end of a job deleted meanwhile is dropped). */
  async #finishes(ends: readonly EndedExecution[]): Promise<Plan[]> {
    const turn = new Turn(this.#snapshots);
    for (const { jobId, executionId, outcome, timeoutS } of ends) {
      const snapshot = await turn.snapshot(jobId).catch((err: unknown) => {
        if (err instanceof TahoError && err.code === 'TAHO_JOB_NOT_FOUND') return undefined;
        throw err;
      });
      if (!snapshot) continue;
      const dir = this.executionDir(jobId, executionId);
      const files = executionFiles(dir);
      // A cluster node read its output where its files are; here they are this process's own.
      const report: ExecutionReport = { ...outcome, output: outcome.output ?? readOutput(files.stdout, files.stderr), resultsUrl: outcome.resultsUrl ?? `file://${dir}` };
      const timeout = timeoutS || snapshot.job.Tasks[0]?.Timeouts?.ExecutionTimeout || this.#options.defaultTimeoutS;
      turn.add(finish(snapshot, executionId, report, { timeoutS: timeout, stillQueued: this.#queue.has(jobId) }, clockNow()));
    }
    return turn.plans;
  }

  /** Executions a killed server left behind: failed with the reason, their jobs re-queued or failed. */
  async #recover(): Promise<{ requeued: string[]; failed: string[] }> {
    const requeued: string[] = [];
    const failed: string[] = [];
    for (const state of ['Pending', 'Queued', 'Running'] as const) {
      for (const job of await this.#store.jobsInState(state)) {
        const snapshot = await this.#snapshot(job);
        const { plan, outcome } = this.#cluster
          ? await this.#takeBack(snapshot, this.#cluster)
          : interrupt(snapshot, { why: 'the server stopped while it ran', maxAttempts: this.#options.maxAttempts }, clockNow());
        await this.#apply(plan);
        if (outcome === 'requeued') requeued.push(job.ID);
        if (outcome === 'failed') failed.push(job.ID);
      }
    }
    return { requeued, failed };
  }

  /**
   * A cluster's orchestrator taking over: the executions still on live nodes are waited for
   * again; those whose node is gone (or never got them) are lost, and their jobs placed again.
   */
  async #takeBack(s: Snapshot, cluster: ClusterExecutions): Promise<ReturnType<typeof interrupt>> {
    const unfinished = s.executions.filter((e) => e.JobVersion === s.job.Version && !TERMINAL_COMPUTE_STATES.has(e.ComputeState.StateType));
    if (unfinished.length === 0) return interrupt(s, { why: 'the orchestrator stopped while it placed the job', maxAttempts: this.#options.maxAttempts }, clockNow());
    const lost = new Set<string>();
    for (const e of unfinished) {
      const running = cluster.isLost(e.NodeID) ? undefined : await cluster.attach(s.job, e);
      if (running) this.#follow(s.job.ID, e.ID, e.NodeID, running, 0);
      else lost.add(e.ID);
    }
    const r = interrupt(s, { why: 'its node was lost while the orchestrator moved', executionIds: lost, maxAttempts: this.#options.maxAttempts }, clockNow());
    const completed = s.executions.filter((e) => e.JobVersion === s.job.Version && e.ComputeState.StateType === ComputeState.Completed).length;
    const missing = Math.max(1, s.job.Count) - completed - unfinished.length;
    // Placed only in part when the last orchestrator stopped: the rest are still to place.
    if (r.outcome === 'none' && missing > 0) r.plan.effect({ kind: 'enqueue', needed: missing, started: true });
    return r;
  }

  /** Executions on nodes that stopped beating: lost, their jobs placed again (or failed). */
  async #lostNodes(cluster: ClusterExecutions): Promise<void> {
    const byJob = new Map<string, Map<string, string>>();
    for (const [id, l] of this.#live) {
      if (!cluster.isLost(l.nodeId)) continue;
      const m = byJob.get(l.jobId) ?? new Map<string, string>();
      byJob.set(l.jobId, m.set(id, l.nodeId));
    }
    for (const [jobId, lost] of byJob) {
      const nodes = [...new Set(lost.values())].map((n) => shortId(n)).join(', ');
      const why = `node ${nodes} was lost (it stopped beating)`;
      const snapshot = await this.#snapshot(jobId).catch((err: unknown) => {
        if (err instanceof TahoError && err.code === 'TAHO_JOB_NOT_FOUND') return undefined;
        throw err;
      });
      if (snapshot) await this.#apply(interrupt(snapshot, { why, executionIds: new Set(lost.keys()), maxAttempts: this.#options.maxAttempts }, clockNow()).plan);
      for (const id of lost.keys()) cluster.abandon(id, why);
    }
  }

  /** Queue and total timeouts; in a cluster, lost nodes and nodes that joined. */
  async #tick(): Promise<void> {
    const now = Date.now();
    const cluster = this.#cluster;
    if (cluster) {
      await this.#lostNodes(cluster);
      const seen = cluster.nodes().filter((n) => n.snapshot().connected).map((n) => n.id).sort().join(',');
      if (seen !== this.#seenNodes) {
        this.#seenNodes = seen;
        this.#pumpSoon();
      }
    }
    for (const { job, started } of this.#queue.values()) {
      const qt = job.Tasks[0]?.Timeouts?.QueueTimeout ?? 0;
      if (qt > 0 && !started && now - (this.#submittedAt.get(job.ID) ?? job.CreateTime / 1e6) > qt * 1000) {
        this.#queue.delete(job.ID);
        const snapshot = await this.#snapshot(job.ID);
        if (snapshot) await this.#apply(queueTimeout(snapshot, qt, clockNow()));
      }
    }
    // Unfinished jobs are the queued ones and those with a live execution: no store scan needed.
    const unfinished = new Set([...this.#queue.keys(), ...[...this.#live.values()].map((l) => l.jobId)]);
    for (const id of unfinished) {
      const queued = this.#queue.get(id)?.job;
      // The store is read only for a job that may time out: most have no TotalTimeout.
      if (queued && (queued.Tasks[0]?.Timeouts?.TotalTimeout ?? 0) <= 0) continue;
      const stored = await this.#store.job(id);
      const job = queued ?? stored;
      const tt = job?.Tasks[0]?.Timeouts?.TotalTimeout ?? 0;
      if (!job || tt <= 0 || TERMINAL_JOB_STATES.has(stored?.State.StateType ?? 'Completed')) continue;
      if (now - (this.#submittedAt.get(id) ?? job.CreateTime / 1e6) > tt * 1000) {
        const live = await this.#totalTimeout(job, tt);
        // Waited for outside the chain: the executions' ends are changes queued behind this one.
        void Promise.all(live);
      }
    }
  }

  /** Past TotalTimeout: the executions stop (their ends are waited for by the caller), the job fails. */
  async #totalTimeout(job: Job, tt: number): Promise<Promise<unknown>[]> {
    this.#submittedAt.delete(job.ID);
    return this.#apply(totalTimeout(await this.#snapshot(job), tt, clockNow()));
  }

  // ---- decisions applied: one write, then their effects ----

  /** The job as this orchestrator last wrote it, or as the store has it. */
  #snapshot(job: Job | string): Promise<Snapshot> {
    return typeof job === 'string' ? this.#snapshots.get(job) : this.#snapshots.get(job.ID, job);
  }

  /** Commits what the plan decided, then does its effects; answers the ends of the executions it stopped. */
  #apply(plan: Plan, idempotencyKey?: { key: string; jobId: string }): Promise<Promise<unknown>[]> {
    return this.#applyAll([plan], idempotencyKey);
  }

  /** Commits the plans as one write, then does their effects in order. */
  async #applyAll(plans: readonly Plan[], idempotencyKey?: { key: string; jobId: string }): Promise<Promise<unknown>[]> {
    const write = { jobs: plans.flatMap((p) => p.jobs), executions: plans.flatMap((p) => p.executions), history: plans.flatMap((p) => p.history), events: plans.flatMap((p) => p.events) };
    if (write.jobs.length + write.executions.length + write.history.length + write.events.length > 0 || idempotencyKey) {
      const fence = this.#options.fence?.();
      try {
        await this.#store.commit({ ...write, ...(idempotencyKey ? { idempotencyKey } : {}), ...(fence ? { fence } : {}) });
      } catch (err) {
        this.#snapshots.forget(plans.map((p) => p.job.ID));
        throw err;
      }
    }
    this.#snapshots.committed(plans);
    const stopped: Promise<unknown>[] = [];
    for (const plan of plans) {
      for (const effect of plan.effects) {
        if (effect.kind === 'stop') {
          for (const id of effect.executionIds) {
            const live = this.#live.get(id);
            if (!live) continue;
            live.running.stop();
            stopped.push(live.running.done);
          }
        } else if (effect.kind === 'dequeue') this.#queue.delete(plan.job.ID);
        else this.#enqueue(plan.job, effect.needed, effect.started);
      }
    }
    return stopped;
  }

  /** Where an execution's results are: here, or (a cluster) on the node that ran it, said reachable or not. */
  #resultOf(e: Execution): SpecConfig | null {
    const dir = this.executionDir(e.JobID, e.ID);
    const where = this.#cluster?.node(e.NodeID);
    if (existsSync(dir)) return { Type: 'local', Params: { URL: `file://${dir}`, ExecutionID: e.ID, ...(where ? { NodeID: e.NodeID, NodeURL: where.url, Reachable: true } : {}) } };
    if (!this.#cluster || !e.PublishedResult) return null;
    return { Type: 'local', Params: { ...e.PublishedResult.Params, ExecutionID: e.ID, NodeID: e.NodeID, NodeURL: where?.url ?? '', Reachable: where?.alive ?? false } };
  }
}

export function stateName(n: number): string {
  return Object.entries(ComputeState).find(([, v]) => v === n)?.[0] ?? String(n);
}

function specText(j: JobDraft): string {
  const { Name, Namespace, Type, Priority, Count, Constraints, Labels, Tasks } = j;
  return JSON.stringify({ Name, Namespace, Type, Priority, Count, Constraints, Labels, Tasks }, null, 2);
}

function sameSpec(a: JobDraft, b: JobDraft): boolean {
  return specText(a) === specText(b);
}

function lineDiff(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const out: string[] = [];
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] === y[i]) continue;
    if (x[i] !== undefined) out.push(`- ${x[i]}`);
    if (y[i] !== undefined) out.push(`+ ${y[i]}`);
  }
  return out.join('\n');
}

/** The node whose id starts with `id`, or TAHO_NODE_NOT_FOUND / TAHO_AMBIGUOUS_ID naming the candidates. */
export function nodeByPrefix(all: readonly NodeSnapshot[], id: string): NodeSnapshot {
  const found = all.filter((n) => n.id.startsWith(id));
  if (found.length === 1) return found[0] as NodeSnapshot;
  if (found.length > 1) throw ambiguous('node', id, found.map((n) => n.id));
  throw new TahoError('TAHO_NODE_NOT_FOUND', `node not found: ${id}`, { hint: '`taho nodes list` shows the nodes.', details: { nodes: all.map((n) => n.id) } });
}
