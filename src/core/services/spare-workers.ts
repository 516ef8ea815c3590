import { Worker } from 'node:worker_threads';
import { workerScript } from '../components/worker-instance.js';

/**
 * One service thread booted ahead of need: Node started, worker-main and the host imports loaded,
 * no component yet (it waits for its init message). Starting a thread costs 140–280 ms here; a
 * service's first call should not pay it. Only a server primes it: a one-shot CLI process never
 * uses threads it did not ask for, and the spare never keeps a process alive (unref).
 */
export class SpareWorkers {
  #spare: Worker | undefined;
  #primed = false;
  #closed = false;

  /** Boots the spare (and a new one after each take). */
  prime(): void {
    this.#primed = true;
    this.#refill();
  }

  /** A thread for a service: the spare when there is one, else a new one (booting as it goes). */
  take(): Worker {
    const worker = this.#spare ?? boot();
    this.#spare = undefined;
    worker.ref();
    // The next spare boots after this turn, so it does not compete with the thread just taken.
    if (this.#primed) setImmediate(() => this.#refill());
    return worker;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const spare = this.#spare;
    this.#spare = undefined;
    await spare?.terminate();
  }

  #refill(): void {
    if (this.#closed || this.#spare) return;
    const worker = boot();
    worker.unref();
    // A spare that dies (out of memory, a bug) is simply not there: the next take boots one.
    worker.once('exit', () => {
      if (this.#spare === worker) this.#spare = undefined;
    });
    this.#spare = worker;
  }
}

function boot(): Worker {
  return new Worker(workerScript(import.meta.url, 'worker-main.js'));
}
