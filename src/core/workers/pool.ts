import { Worker } from 'node:worker_threads';
import { TahoError } from '../errors.js';
import { workerScript } from '../components/worker-instance.js';
import { PoolThread, type Family } from './thread.js';

/** What a family runs in a thread: its module (see protocol.ts), loaded once per thread. */
export interface ThreadKind {
  readonly family: Family;
  readonly module: URL;
  /** Node flags its threads start with (so they cannot be the spare, which started without). */
  readonly execArgv?: readonly string[] | undefined;
}

export interface ThreadLimits {
  /** The thread's JS heap (worker resourceLimits); a thread past it dies alone, out of memory. */
  readonly heapMb?: number | undefined;
}

export interface WorkerPoolOptions {
  /** Modules a spare thread warms (their `warm()`) while it waits to be taken. */
  readonly warm?: readonly URL[] | undefined;
}

/** What `threads()` reports of each live thread. */
export interface ThreadInfo {
  readonly id: number;
  /** Its family, or `spare` for the thread booted ahead of need. */
  readonly family: Family | 'spare';
  readonly label: string;
  /** `held` by a service, an agent host or a running job; `idle` after a job, kept for the next. */
  readonly state: 'held' | 'idle' | 'spare';
  readonly pending: number;
}

/** Idle threads kept per kind and limits: a thread start costs tens of ms, a small job's run far less. */
const IDLE_MAX = 4;

/**
 * The runtime's worker threads: services, agent hosts and job runs all take theirs here. A thread
 * runs one family's module for its life, so a crash or a runaway stops one thread and what it
 * held, never another family's. When primed (a server), one spare thread waits booted and warm,
 * so whichever family needs a thread next does not wait for one to start; a job's thread that
 * ended its run on its own waits idle for the next run of its kind.
 */
export class WorkerPool {
  readonly #warm: readonly URL[];
  readonly #live = new Set<PoolThread>();
  readonly #idle = new Map<string, PoolThread[]>();
  #spare: PoolThread | undefined;
  #primed = false;
  #closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    this.#warm = options.warm ?? [];
  }

  /** Keeps a spare thread ready from now on (and a new one after each take). */
  prime(): void {
    this.#primed = true;
    this.#refill();
  }

  /**
   * A thread for `kind`: an idle one of that kind, the spare (when no limits are asked), else a
   * new one. Its module is loading when this returns; requests queue behind the load.
   */
  acquire(kind: ThreadKind, label: string, limits: ThreadLimits = {}): PoolThread {
    if (this.#closed) {
      throw new TahoError('TAHO_SERVICE_UNAVAILABLE', 'the worker threads are shut down', { hint: 'The server is stopping; retry against the new one.', retryable: true });
    }
    const idle = this.#idle.get(idleKey(kind, limits))?.pop();
    if (idle) {
      idle.assign(kind.family, label);
      return idle;
    }
    let thread: PoolThread;
    if (limits.heapMb === undefined && kind.execArgv === undefined && this.#spare) {
      thread = this.#spare;
      this.#spare = undefined;
      // The next spare boots after this turn, so it does not compete with the thread just taken.
      if (this.#primed) setImmediate(() => this.#refill());
    } else {
      thread = this.#boot(limits, kind.execArgv);
    }
    thread.assign(kind.family, label);
    // A failed load fails the requests queued behind it (the thread has no handler): no catch needed here.
    thread.load(kind.module, label).catch(() => undefined);
    return thread;
  }

  /** A job's thread whose run ended on its own: kept idle for the next run of its kind, or ended. */
  release(thread: PoolThread, kind: ThreadKind, limits: ThreadLimits = {}): void {
    const key = idleKey(kind, limits);
    const list = this.#idle.get(key) ?? [];
    if (this.#closed || !thread.alive || list.length >= IDLE_MAX) {
      void thread.terminate();
      return;
    }
    thread.park();
    list.push(thread);
    this.#idle.set(key, list);
  }

  threads(): ThreadInfo[] {
    const idle = new Set([...this.#idle.values()].flat());
    return [...this.#live].map((t) => ({
      id: t.id,
      family: t === this.#spare ? 'spare' : t.family ?? 'spare',
      label: t.label,
      state: t === this.#spare ? 'spare' : idle.has(t) ? 'idle' : 'held',
      pending: t.pending,
    }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#live];
    this.#spare = undefined;
    this.#idle.clear();
    await Promise.all(all.map((t) => t.terminate()));
  }

  #boot(limits: ThreadLimits, execArgv?: readonly string[]): PoolThread {
    const worker = new Worker(workerScript(import.meta.url, 'thread-main.js'), {
      ...(execArgv === undefined ? {} : { execArgv: [...execArgv] }),
      ...(limits.heapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: Math.max(16, limits.heapMb) } }),
    });
    const thread = new PoolThread(worker);
    this.#live.add(thread);
    thread.onGone(() => {
      this.#live.delete(thread);
      if (this.#spare === thread) this.#spare = undefined;
      for (const list of this.#idle.values()) {
        const i = list.indexOf(thread);
        if (i >= 0) list.splice(i, 1);
      }
    });
    return thread;
  }

  #refill(): void {
    if (this.#closed || this.#spare) return;
    const thread = this.#boot({});
    thread.park();
    // A spare that cannot warm is still a booted thread; the family's own load reports real faults.
    for (const m of this.#warm) thread.warm(m).catch(() => undefined);
    this.#spare = thread;
  }
}

function idleKey(kind: ThreadKind, limits: ThreadLimits): string {
  return `${kind.module.href}#${limits.heapMb ?? ''}`;
}
