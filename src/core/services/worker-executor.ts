import { TahoError } from '../errors.js';
import { workerScript, type WorkerInit } from '../components/worker-instance.js';
import type { ThreadKind, WorkerPool } from '../workers/pool.js';
import { threadGone, type PoolThread } from '../workers/thread.js';
import { CallFailure, type Executor } from './executor.js';
import type { InitReply, ServiceReply, ServiceRequest } from './service-thread.js';

interface Pending {
  readonly path: readonly string[];
  readonly args: readonly unknown[];
  readonly timeoutMs: number;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  readonly thread: PoolThread;
  /** Calls sent and not answered; the thread runs them one after another. */
  sent: number;
  /** Its instance trapped: the calls still on it go to the replacement, whatever they had begun. */
  trapped: boolean;
}

/**
 * How many calls a thread is handed ahead: while it runs one, the next are already in its
 * queue, so a busy service does not pay a thread round trip between calls.
 */
const PIPELINE = 32;

/** Opening the instance: the first instantiation of a component in a thread. */
const OPEN_TIMEOUT_MS = 60_000;

export const SERVICE_THREAD: ThreadKind = { family: 'service', module: workerScript(import.meta.url, 'service-thread.js') };

/**
 * A service's threads from the runtime's pool, each with its own component instance. A call
 * that passes the invoke timeout is answered with 504 at once; its thread is terminated, the
 * calls queued behind it (which never started) go back to the queue, and a replacement thread
 * starts in the background.
 */
export class WorkerExecutor implements Executor {
  readonly #init: () => Promise<WorkerInit>;
  readonly #size: number;
  readonly #label: string;
  readonly #pool: WorkerPool;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  /** Calls handed back by a thread that went before it started them, in their order. */
  readonly #requeued: Pending[] = [];
  #starting: Promise<void> | undefined;
  /** Threads taken and still opening their instance (not in #slots yet). */
  #opening = 0;
  #disposed = false;
  #initData: WorkerInit | undefined;

  constructor(label: string, init: () => Promise<WorkerInit>, pool: WorkerPool, size = 1) {
    this.#label = label;
    this.#init = init;
    this.#pool = pool;
    this.#size = Math.max(1, size);
  }

  get ready(): boolean {
    return this.#slots.length > 0;
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
    for (const p of [...this.#requeued.splice(0), ...this.#queue.splice(0)]) p.reject(stopped);
    await Promise.all(slots.map((s) => s.thread.terminate()));
  }

  async #spawn(): Promise<void> {
    const init = this.#initData;
    if (!init || this.#disposed) return;
    const thread = this.#pool.acquire(SERVICE_THREAD, this.#label);
    let opened: InitReply;
    this.#opening += 1;
    try {
      opened = await thread.request<InitReply>({ init } satisfies ServiceRequest, { label: this.#label, timeoutMs: OPEN_TIMEOUT_MS });
    } catch (err) {
      void thread.terminate();
      throw err;
    } finally {
      this.#opening -= 1;
    }
    if (opened) {
      void thread.terminate();
      throw new TahoError('TAHO_COMPONENT_INVALID', `cannot start ${this.#label}: ${opened.failed}`);
    }
    if (this.#disposed) {
      void thread.terminate();
      return;
    }
    const slot: Slot = { thread, sent: 0, trapped: false };
    this.#slots.push(slot);
    // Whatever ended it (a timeout, a crash, a trap), a replacement starts in the background.
    thread.onGone(() => {
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots.splice(i, 1);
      if (!this.#disposed) void this.#spawn().catch(() => undefined);
    });
    this.#pump();
  }

  /** Hands queued calls to the least loaded threads. */
  #pump(): void {
    if (this.#requeued.length > 0) this.#queue.unshift(...this.#requeued.splice(0));
    while (this.#queue.length > 0) {
      const slot = this.#slots.reduce<Slot | undefined>((best, s) => (s.sent < PIPELINE && (!best || s.sent < best.sent) ? s : best), undefined);
      if (!slot) break;
      this.#send(slot, this.#queue.shift() as Pending);
    }
    // Every thread failed to open (or none is left) and no replacement is on its way: try again.
    if (this.#slots.length + this.#opening === 0 && this.#queue.length > 0 && !this.#disposed && this.#starting) void this.#spawn().catch(() => undefined);
  }

  #send(slot: Slot, p: Pending): void {
    slot.sent += 1;
    slot.thread.request<ServiceReply>({ path: p.path, args: p.args } satisfies ServiceRequest, { label: this.#label, timeoutMs: p.timeoutMs }).then(
      (reply) => {
        slot.sent -= 1;
        if (reply.ok) p.resolve(reply.value);
        else {
          p.reject(new CallFailure(reply.trap, reply.message, reply.thrown));
          // A trapped instance cannot be entered again: replace its thread.
          if (reply.trap) {
            slot.trapped = true;
            void slot.thread.terminate();
          }
        }
        this.#pump();
      },
      (err: unknown) => {
        slot.sent -= 1;
        const gone = threadGone(err);
        if (gone && (!gone.started || slot.trapped) && !this.#disposed) {
          // It never started (or began on a poisoned instance): it runs on the replacement.
          // The first of a batch pumps once all are back, so they keep their order.
          if (this.#requeued.push(p) === 1) queueMicrotask(() => this.#pump());
          return;
        }
        p.reject(gone?.reason === 'stopped' ? unavailable(this.#label) : err);
      },
    );
  }
}

function unavailable(label: string): TahoError {
  return new TahoError('TAHO_SERVICE_UNAVAILABLE', `${label} was stopped`, { hint: 'Retry; the service is being replaced.', retryable: true, retryAfterMs: 1000 });
}
