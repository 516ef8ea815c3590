import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Idle threads kept warm per kind: a thread start costs tens of ms, a small module's run far less. */
const IDLE_MAX = 4;

/**
 * Warm worker threads of one script, pooled per memory limit. A thread whose run ended on its
 * own goes back (unref'd: idle threads never keep the process alive); one that was stopped is
 * terminated by its caller and never returns.
 */
export class ThreadPool {
  readonly #script: URL;
  readonly #options: WorkerOptions;
  readonly #idle = new Map<string, Worker[]>();

  constructor(script: URL, options: WorkerOptions = {}) {
    this.#script = script;
    this.#options = options;
  }

  take(memoryLimitMb: number | undefined): Worker {
    const w = this.#idle.get(String(memoryLimitMb ?? ''))?.pop();
    if (w) {
      w.ref();
      return w;
    }
    return new Worker(this.#script, {
      ...this.#options,
      ...(memoryLimitMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: Math.max(16, memoryLimitMb) } }),
    });
  }

  release(memoryLimitMb: number | undefined, w: Worker): void {
    const key = String(memoryLimitMb ?? '');
    const list = this.#idle.get(key) ?? [];
    if (list.length >= IDLE_MAX) {
      void w.terminate();
      return;
    }
    w.removeAllListeners('message');
    w.removeAllListeners('error');
    w.removeAllListeners('exit');
    // A pooled thread that dies on its own leaves the pool.
    w.once('exit', () => {
      const l = this.#idle.get(key);
      const i = l?.indexOf(w) ?? -1;
      if (l && i >= 0) l.splice(i, 1);
    });
    w.unref();
    list.push(w);
    this.#idle.set(key, list);
  }
}
