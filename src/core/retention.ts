import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TERMINAL_JOB_STATES } from './jobs/model.js';
import type { Stores } from './store/ports/index.js';

export interface RetentionPolicy {
  /** `[events] keep`: events kept (0: all). */
  readonly eventsKeep: number;
  /** `[events] keep_for` in ms (0: no age limit). */
  readonly eventsKeepForMs: number;
  /** `[jobs] keep_outputs_for` in ms (0: a job's outputs live as long as the job). */
  readonly outputsKeepForMs: number;
}

export interface SweepReport {
  readonly events: number;
  readonly outputs: number;
}

/** Job pages read per sweep step. */
const PAGE = 200;

/**
 * What keeps the store and the data directory from growing forever, beside the oplog drop that
 * each snapshot does itself: events trimmed by count and by age, and finished jobs' outputs
 * deleted by age (the job's record stays until `[jobs] retain_for`). A server sweeps when it
 * starts and then every minute; every step reads an index (events by id, jobs by modification
 * time from where the last sweep stopped), never every item.
 */
export class Retention {
  readonly #stores: () => Stores;
  readonly #policy: RetentionPolicy;
  readonly #jobsDir: string;
  /** Where the outputs sweep stopped: jobs modified before it were seen. */
  #outputsAfter: { time: number; id: string } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<SweepReport> | undefined;
  #outputs: { bytes: number; at: number } | undefined;

  constructor(stores: () => Stores, policy: RetentionPolicy, dataDir: string) {
    this.#stores = stores;
    this.#policy = policy;
    this.#jobsDir = join(dataDir, 'jobs');
  }

  /** Sweeps now, then every `everyMs` until `stop`. A failed sweep is retried by the next one. */
  start(everyMs = 60_000): void {
    if (this.#timer) return;
    void this.sweep().catch(() => undefined);
    this.#timer = setInterval(() => void this.sweep().catch(() => undefined), everyMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One sweep (a second call while one runs joins it). */
  sweep(now = Date.now()): Promise<SweepReport> {
    this.#running ??= (async () => {
      try {
        return { events: await this.#trimEvents(now), outputs: await this.#dropOutputs(now) };
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** Bytes of finished and running jobs' files under the data directory (measured at most once a minute). */
  outputsBytes(now = Date.now()): number {
    if (this.#outputs === undefined || now - this.#outputs.at > 60_000) this.#outputs = { bytes: sizeOf(this.#jobsDir), at: now };
    return this.#outputs.bytes;
  }

  async #trimEvents(now: number): Promise<number> {
    const log = this.#stores().events;
    const last = await log.lastId();
    let below = this.#policy.eventsKeep > 0 ? last - this.#policy.eventsKeep + 1 : 0;
    if (this.#policy.eventsKeepForMs > 0) below = Math.max(below, await this.#firstNewerThan(new Date(now - this.#policy.eventsKeepForMs).toISOString(), last));
    return below > 1 ? log.trim(below) : 0;
  }

  /**
   * The id past every event older than `cutoff`: ids grow with time, so a binary search over
   * ids (each probe one indexed read) finds it in ~log2(events) reads.
   */
  async #firstNewerThan(cutoff: string, last: number): Promise<number> {
    const log = this.#stores().events;
    const probe = async (id: number) => (await log.read(id - 1, {}, 1))[0];
    const first = await probe(1);
    if (first === undefined || first.at >= cutoff) return 0;
    // Invariant: the event `lo` is older than the cutoff; none at or after `hi` is.
    let lo = first.id;
    let hi = last + 1;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const e = await probe(mid);
      if (e !== undefined && e.id < hi && e.at < cutoff) lo = e.id;
      else hi = mid;
    }
    return lo + 1;
  }

  async #dropOutputs(now: number): Promise<number> {
    if (this.#policy.outputsKeepForMs <= 0 || !existsSync(this.#jobsDir)) return 0;
    const cutoff = (now - this.#policy.outputsKeepForMs) * 1e6;
    const jobs = this.#stores().jobs;
    let dropped = 0;
    for (;;) {
      const page = await jobs.jobPage({ orderBy: 'modified', reverse: false, after: this.#outputsAfter, limit: PAGE });
      for (const j of page) {
        if (j.ModifyTime >= cutoff) return dropped;
        this.#outputsAfter = { time: j.ModifyTime, id: j.ID };
        // A job changed later (a rerun) moves past the cursor and is seen again then.
        const dir = join(this.#jobsDir, j.ID);
        if (TERMINAL_JOB_STATES.has(j.State.StateType) && existsSync(dir)) {
          rmSync(dir, { recursive: true, force: true });
          dropped += 1;
        }
      }
      if (page.length < PAGE) return dropped;
    }
  }
}

function sizeOf(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, name) => n + sizeOf(join(path, name)), 0);
}
