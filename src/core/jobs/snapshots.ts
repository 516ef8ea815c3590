import { TahoError } from '../errors.js';
import type { JobStore } from '../store/ports/jobs.js';
import { TERMINAL_JOB_STATES, type Job } from './model.js';
import type { Plan, Snapshot } from './transitions/plan.js';

/**
 * The unfinished jobs this orchestrator moves, as its own last committed write left them. The
 * orchestrator is the only writer of the jobs family (in a cluster, under a fenced lease), so
 * what it committed is what the store holds: a launch or a finish decides from here instead of
 * reading the job and its executions again (on Redis, two round trips per decision saved on the
 * path every execution takes). A refused write forgets its jobs, so the next decision reads the
 * store; a finished job is forgotten too (little more happens to it).
 */
export class Snapshots {
  readonly #store: JobStore;
  readonly #held = new Map<string, Snapshot>();

  constructor(store: JobStore) {
    this.#store = store;
  }

  /** The job as last committed; `known` (a body just read) saves reading the job itself. */
  async get(id: string, known?: Job): Promise<Snapshot> {
    const held = this.#held.get(id);
    if (held) return held;
    // One round trip for both on a pipelining store.
    const [job, executions] = await Promise.all([known ?? this.#store.job(id), this.#store.executions(id)]);
    if (!job) throw new TahoError('TAHO_JOB_NOT_FOUND', `job not found: ${id}`, { hint: 'It was deleted meanwhile.' });
    return { job, executions };
  }

  /** The plans' writes committed: each job is now as its plan leaves it. */
  committed(plans: readonly Plan[]): void {
    for (const plan of plans) {
      const id = plan.job.ID;
      if (TERMINAL_JOB_STATES.has(plan.job.State.StateType)) this.#held.delete(id);
      else this.#held.set(id, { job: plan.job, executions: plan.all() });
    }
  }

  forget(ids: Iterable<string>): void {
    for (const id of ids) this.#held.delete(id);
  }
}

/**
 * The decisions of one orchestrator turn (the placements of a pump, the ends heard since the
 * last turn): each sees the state the ones before it leave, and all are written as one.
 */
export class Turn {
  readonly plans: Plan[] = [];
  readonly #snapshots: Snapshots;
  readonly #state = new Map<string, Snapshot>();

  constructor(snapshots: Snapshots) {
    this.#snapshots = snapshots;
  }

  snapshot(id: string): Promise<Snapshot> {
    const own = this.#state.get(id);
    return own ? Promise.resolve(own) : this.#snapshots.get(id);
  }

  add(plan: Plan): Plan {
    this.plans.push(plan);
    this.#state.set(plan.job.ID, { job: plan.job, executions: plan.all() });
    return plan;
  }
}
