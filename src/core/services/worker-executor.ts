import { Worker } from 'node:worker_threads';
import { TahoError } from '../errors.js';
import { CallFailure, type Executor } from './executor.js';
import type { CallMessage, WorkerInit, WorkerReply } from './worker-main.js';

interface Pending {
  readonly path: readonly string[];
  readonly args: readonly unknown[];
  readonly timeoutMs: number;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current: (Pending & { id: number; timer: NodeJS.Timeout }) | undefined;
}

/** Compiled output runs from dist/; under the test runner this module is TypeScript in src/. */
function workerUrl(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) return new URL(here.href.replace('/src/', '/dist/').replace(/worker-executor\.ts$/, 'worker-main.js'));
  return new URL('./worker-main.js', here);
}

/**
 * A pool of warm worker threads, each with its own component instance. A call that passes the
 * invoke timeout is answered with 504 at once; its thread is terminated (a few ms) and a
 * replacement is started in the background, so the next calls do not pay for it.
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

  constructor(label: string, init: () => Promise<WorkerInit>, size = 1) {
    this.#label = label;
    this.#init = init;
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
    for (const p of this.#queue.splice(0)) p.reject(unavailable(this.#label));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #spawn(): Promise<void> {
    const init = this.#initData;
    if (!init || this.#disposed) return Promise.resolve();
    const worker = new Worker(workerUrl(), { workerData: init });
    const slot: Slot = { worker, ready: false, current: undefined };
    this.#slots.push(slot);
    worker.unref();
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: WorkerReply) => {
        if ('type' in msg) {
          if (msg.type === 'ready') {
            slot.ready = true;
            worker.ref();
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

  #pump(): void {
    for (const slot of this.#slots) {
      if (!slot.ready || slot.current) continue;
      const next = this.#queue.shift();
      if (!next) return;
      const id = this.#nextId++;
      const timer = setTimeout(() => this.#timeout(slot), next.timeoutMs);
      slot.current = { ...next, id, timer };
      slot.worker.postMessage({ id, path: next.path, args: next.args } satisfies CallMessage);
    }
    if (this.#slots.length === 0 && this.#queue.length > 0 && !this.#disposed) void this.#spawn().catch(() => undefined);
  }

  #settle(slot: Slot, msg: Exclude<WorkerReply, { type: string }>): void {
    const cur = slot.current;
    if (!cur || cur.id !== msg.id) return;
    clearTimeout(cur.timer);
    slot.current = undefined;
    if (msg.ok) cur.resolve(msg.value);
    else {
      cur.reject(new CallFailure(msg.trap, msg.message, msg.thrown));
      // A trapped instance cannot be entered again: replace its thread.
      if (msg.trap) this.#replace(slot);
    }
    this.#pump();
  }

  #timeout(slot: Slot): void {
    const cur = slot.current;
    slot.current = undefined;
    cur?.reject(new TahoError('TAHO_INVOKE_TIMEOUT', `${this.#label} did not answer within ${cur.timeoutMs} ms and was stopped`, {
      hint: 'The component runs too long (or loops forever). Raise [limits] invoke_timeout_ms if it needs more time.',
      retryable: true,
    }));
    this.#replace(slot);
  }

  #crashed(slot: Slot, err: Error): void {
    if (!this.#slots.includes(slot)) return;
    const cur = slot.current;
    slot.current = undefined;
    if (cur) {
      clearTimeout(cur.timer);
      cur.reject(new CallFailure(true, `the instance's thread died: ${err.message}`, undefined));
    }
    this.#replace(slot);
  }

  #replace(slot: Slot): void {
    this.#remove(slot);
    void slot.worker.terminate();
    if (!this.#disposed) void this.#spawn().catch(() => undefined);
  }

  #remove(slot: Slot): void {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
  }
}

function unavailable(label: string): TahoError {
  return new TahoError('TAHO_SERVICE_UNAVAILABLE', `${label} was stopped`, { hint: 'Retry; the service is being replaced.', retryable: true, retryAfterMs: 1000 });
}
