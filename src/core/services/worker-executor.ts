import type { Worker } from 'node:worker_threads';
import { TahoError } from '../errors.js';
import { CallFailure, type Executor } from './executor.js';
import type { CallMessage, InitMessage, WorkerReply } from './worker-main.js';
import type { WorkerInit } from '../components/worker-instance.js';
import type { SpareWorkers } from './spare-workers.js';

interface Pending {
  readonly path: readonly string[];
  readonly args: readonly unknown[];
  readonly timeoutMs: number;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

interface Sent extends Pending {
  readonly id: number;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  /** Calls sent and not answered, oldest first; a worker runs them one after another. */
  readonly sent: Sent[];
  /** Runs for the oldest sent call: the one the worker is executing. */
  timer: NodeJS.Timeout | undefined;
}

/**
 * How many calls a worker is handed ahead: while it runs one, the next are already in its
 * queue, so a busy service does not pay a thread round trip between calls.
 */
const PIPELINE = 32;

/**
 * A pool of warm worker threads, each with its own component instance. A call that passes the
 * invoke timeout is answered with 504 at once; its thread is terminated (a few ms), the calls
 * queued behind it (which never started) go back to the queue, and a replacement thread starts
 * in the background.
 */
export class WorkerExecutor implements Executor {
  readonly #init: () => Promise<WorkerInit>;
  readonly #size: number;
  readonly #label: string;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #nextId = 1;
  #starting: Promise<void> | undefined;
  #disposed = false;
  #initData: WorkerInit | undefined;

  readonly #threads: SpareWorkers;

  constructor(label: string, init: () => Promise<WorkerInit>, threads: SpareWorkers, size = 1) {
    this.#label = label;
    this.#init = init;
    this.#threads = threads;
    this.#size = Math.max(1, size);
  }

  get ready(): boolean {
    return this.#slots.some((s) => s.ready);
  }

  async warm(): Promise<void> {
    this.#starting ??= (async () => {
      this.#initData = await this.#init();
      await Promise.all(Array.from({ length: this.#size }, () => this.#spawn()));
    })();
    await this.#starting;
  }

  call(path: readonly string[], args: readonly unknown[], timeoutMs: number): Promise<unknown> {
    return this.warm().then(() => new Promise((resolve, reject) => {
      this.#queue.push({ path, args, timeoutMs, resolve, reject });
      this.#pump();
    }));
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const slots = this.#slots.splice(0);
    const stopped = unavailable(this.#label);
    for (const p of this.#queue.splice(0)) p.reject(stopped);
    for (const slot of slots) {
      clearTimeout(slot.timer);
      for (const s of slot.sent.splice(0)) s.reject(stopped);
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #spawn(): Promise<void> {
    const init = this.#initData;
    if (!init || this.#disposed) return Promise.resolve();
    const worker = this.#threads.take();
    worker.postMessage({ init } satisfies InitMessage);
    const slot: Slot = { worker, ready: false, sent: [], timer: undefined };
    this.#slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: WorkerReply) => {
        if ('type' in msg) {
          if (msg.type === 'ready') {
            slot.ready = true;
            resolve();
            this.#pump();
          } else {
            this.#remove(slot);
            reject(new TahoError('TAHO_COMPONENT_INVALID', `cannot start ${this.#label}: ${msg.message}`));
          }
          return;
        }
        this.#settle(slot, msg);
      });
      worker.on('error', (err) => this.#crashed(slot, err));
      worker.on('exit', () => this.#crashed(slot, new Error('worker exited')));
    });
  }

  /** Hands queued calls to the least loaded ready workers. */
  #pump(): void {
    while (this.#queue.length > 0) {
      const slot = this.#slots.filter((s) => s.ready && s.sent.length < PIPELINE)
        .reduce<Slot | undefined>((best, s) => (!best || s.sent.length < best.sent.length ? s : best), undefined);
      if (!slot) break;
      const next = this.#queue.shift() as Pending;
      const sent: Sent = { ...next, id: this.#nextId++ };
      slot.sent.push(sent);
      if (slot.sent.length === 1) this.#startTimer(slot);
      slot.worker.postMessage({ id: sent.id, path: sent.path, args: sent.args } satisfies CallMessage);
    }
    if (this.#slots.length === 0 && this.#queue.length > 0 && !this.#disposed) void this.#spawn().catch(() => undefined);
  }

  #startTimer(slot: Slot): void {
    const head = slot.sent[0];
    clearTimeout(slot.timer);
    slot.timer = head ? setTimeout(() => this.#timeout(slot), head.timeoutMs) : undefined;
  }

  #settle(slot: Slot, msg: Exclude<WorkerReply, { type: string }>): void {
    const head = slot.sent[0];
    if (!head || head.id !== msg.id) return;
    slot.sent.shift();
    this.#startTimer(slot);
    if (msg.ok) head.resolve(msg.value);
    else {
      head.reject(new CallFailure(msg.trap, msg.message, msg.thrown));
      // A trapped instance cannot be entered again: replace its thread.
      if (msg.trap) this.#replace(slot);
    }
    this.#pump();
  }

  #timeout(slot: Slot): void {
    const head = slot.sent.shift();
    head?.reject(new TahoError('TAHO_INVOKE_TIMEOUT', `${this.#label} did not answer within ${head.timeoutMs} ms and was stopped`, {
      hint: 'The component runs too long (or loops forever). Raise [limits] invoke_timeout_ms if it needs more time.',
      retryable: true,
    }));
    this.#replace(slot);
  }

  #crashed(slot: Slot, err: Error): void {
    if (!this.#slots.includes(slot)) return;
    slot.sent.shift()?.reject(new CallFailure(true, `the instance's thread died: ${err.message}`, undefined));
    this.#replace(slot);
  }

  /** Drops a worker; the calls it had not started yet go back to the front of the queue. */
  #replace(slot: Slot): void {
    clearTimeout(slot.timer);
    this.#remove(slot);
    this.#queue.unshift(...slot.sent.splice(0));
    void slot.worker.terminate();
    if (!this.#disposed) void this.#spawn().catch(() => undefined);
    this.#pump();
  }

  #remove(slot: Slot): void {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
  }
}

function unavailable(label: string): TahoError {
  return new TahoError('TAHO_SERVICE_UNAVAILABLE', `${label} was stopped`, { hint: 'Retry; the service is being replaced.', retryable: true, retryAfterMs: 1000 });
}
