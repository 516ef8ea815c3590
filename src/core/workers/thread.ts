import type { Worker } from 'node:worker_threads';
import { TahoError } from '../errors.js';
import type { ThreadMessage, ThreadReply } from './protocol.js';

/** Who holds a pool thread: one family for the thread's life, chosen when it is taken. */
export type Family = 'service' | 'agent' | 'job';

/** Why a thread ended: its request ran too long, it died, it ran out of heap, or its holder stopped it. */
export type GoneReason = 'timeout' | 'crashed' | 'out-of-memory' | 'stopped';

export interface RequestOptions {
  /** Names the work in errors (`example/hello greet`). */
  readonly label: string;
  /** Counted from when the thread starts on it (the requests before it answered); none when absent or ≤ 0. */
  readonly timeoutMs?: number | undefined;
  /** What to do about a timeout, in the family's words. */
  readonly timeoutHint?: string | undefined;
}

interface Sent extends RequestOptions {
  readonly id: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

const DEFAULT_TIMEOUT_HINT = 'The component runs too long (or loops forever). Raise [limits] invoke_timeout_ms if it needs more time.';

/**
 * The one driver of a worker thread: requests with ids, answered in order (the thread runs one at
 * a time, so the oldest unanswered request is the one running); a timeout on the running one;
 * a death noticed and turned into TahoErrors. The request that was running when the thread went
 * gets why (timeout 504, trap, out of memory); the ones behind it never started, and say so
 * (`threadGone(err).started === false`) so their family can run them elsewhere.
 */
export class PoolThread {
  readonly id: number;
  readonly #worker: Worker;
  readonly #sent: Sent[] = [];
  readonly #exited: Promise<void>;
  readonly #onGone: ((reason: GoneReason) => void)[] = [];
  #family: Family | undefined;
  #label = '';
  #timer: NodeJS.Timeout | undefined;
  #gone: GoneReason | undefined;
  #cause: Error | undefined;
  #outOfMemory = false;
  /** Messages of this loop turn, posted together once it ends (one hop for many calls). */
  #outbox: ThreadMessage[] = [];
  #nextId = 1;

  constructor(worker: Worker) {
    this.#worker = worker;
    this.id = worker.threadId;
    worker.on('message', (r: ThreadReply | ThreadReply[]) => {
      if (!Array.isArray(r)) this.#reply(r);
      else for (const one of r) this.#reply(one);
    });
    // An uncaught error ends the thread; its exit follows, and the thread may write until then.
    worker.on('error', (err: Error & { code?: string }) => {
      this.#cause ??= err;
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') this.#outOfMemory = true;
    });
    this.#exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        this.#end(this.#outOfMemory ? 'out-of-memory' : 'crashed', this.#cause ?? new Error(`exit code ${code}`));
        resolve();
      });
    });
  }

  get family(): Family | undefined {
    return this.#family;
  }

  get label(): string {
    return this.#label;
  }

  /** Requests sent and not answered. */
  get pending(): number {
    return this.#sent.length;
  }

  get alive(): boolean {
    return this.#gone === undefined;
  }

  /** Settles once the thread has stopped running (after a stop or a crash, its writes are over). */
  get exited(): Promise<void> {
    return this.#exited;
  }

  /** Taken by a family: it keeps the process alive while held. */
  assign(family: Family, label: string): void {
    this.#family = family;
    this.#label = label;
    this.#worker.ref();
  }

  /** Idle or spare: it never keeps the process alive. */
  park(): void {
    this.#worker.unref();
  }

  onGone(listener: (reason: GoneReason) => void): void {
    this.#onGone.push(listener);
  }

  request<T = unknown>(body: unknown, options: RequestOptions): Promise<T> {
    return this.#send((id) => ({ id, body }), options) as Promise<T>;
  }

  /** Loads a family's module: its handler answers every later request of this thread. */
  load(module: URL, label: string): Promise<void> {
    return this.#send((id) => ({ id, load: module.href }), { label }) as Promise<void>;
  }

  /** Runs a module's `warm()` (code loaded ahead of need). */
  warm(module: URL): Promise<void> {
    return this.#send((id) => ({ id, warm: module.href }), { label: 'warm-up' }) as Promise<void>;
  }

  /** A message that needs no answer; dropped when the thread is gone. */
  notify(body: unknown): void {
    if (this.alive) this.#post({ body });
  }

  /** Stops the thread: what it had not answered is rejected at once; resolves when it has exited. */
  terminate(): Promise<void> {
    this.#end('stopped', undefined);
    return this.#exited;
  }

  #send(message: (id: number) => ThreadMessage, options: RequestOptions): Promise<unknown> {
    if (!this.alive) return Promise.reject(notStarted(options.label, this.#gone ?? 'stopped'));
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#sent.push({ ...options, id, resolve, reject });
      if (this.#sent.length === 1) this.#arm();
      // An idle thread starts at once (a lone call, a job run); only what would wait behind it is batched.
      if (this.#sent.length === 1 && this.#outbox.length === 0) this.#worker.postMessage(message(id));
      else this.#post(message(id));
    });
  }

  /** Queues a message for the end of this loop turn (setImmediate runs right after the I/O that brought the calls). */
  #post(message: ThreadMessage): void {
    if (this.#outbox.push(message) > 1) return;
    setImmediate(() => {
      const out = this.#outbox;
      this.#outbox = [];
      if (this.alive) this.#worker.postMessage(out.length === 1 ? out[0] : out);
    });
  }

  #reply(r: ThreadReply): void {
    const head = this.#sent[0];
    if (!head || head.id !== r.id) return;
    this.#sent.shift();
    this.#arm();
    if ('error' in r) head.reject(new TahoError('TAHO_INTERNAL', `internal error: a worker thread failed on ${head.label}: ${r.error}`));
    else head.resolve(r.value);
  }

  /** The timer runs for the oldest unanswered request: the one the thread is running. */
  #arm(): void {
    clearTimeout(this.#timer);
    const head = this.#sent[0];
    const ms = head?.timeoutMs ?? 0;
    this.#timer = ms > 0 ? setTimeout(() => this.#end('timeout', undefined), ms) : undefined;
  }

  #end(reason: GoneReason, cause: Error | undefined): void {
    if (this.#gone !== undefined) return;
    this.#gone = reason;
    clearTimeout(this.#timer);
    this.#sent.splice(0).forEach((s, n) => s.reject(n === 0 ? ended(s, reason, cause) : notStarted(s.label, reason)));
    void this.#worker.terminate();
    for (const l of this.#onGone.splice(0)) l(reason);
  }
}

/** How the thread a request ran on went, when that is why it failed; undefined for any other error. */
export function threadGone(err: unknown): { readonly reason: GoneReason; readonly started: boolean } | undefined {
  if (!(err instanceof TahoError)) return undefined;
  const d = err.details as { thread?: GoneReason; started?: boolean } | undefined;
  return d?.thread === undefined || d.started === undefined ? undefined : { reason: d.thread, started: d.started };
}

function ended(s: Sent, reason: GoneReason, cause: Error | undefined): TahoError {
  const details = { thread: reason, started: true };
  switch (reason) {
    case 'timeout':
      return new TahoError('TAHO_INVOKE_TIMEOUT', `${s.label} did not answer within ${s.timeoutMs} ms and was stopped`, {
        hint: s.timeoutHint ?? DEFAULT_TIMEOUT_HINT, retryable: true, details,
      });
    case 'out-of-memory':
      return new TahoError('TAHO_COMPONENT_TRAP', `${s.label} ran out of memory: ${cause?.message ?? 'its thread passed its heap limit'}`, {
        hint: 'Raise [limits] memory_limit_mb if it needs more.', details, cause,
      });
    case 'crashed':
      return new TahoError('TAHO_COMPONENT_TRAP', `${s.label} trapped: its thread died: ${cause?.message ?? 'no reason given'}`, {
        hint: 'Its thread is replaced for the next call.', details, cause,
      });
    case 'stopped':
      return new TahoError('TAHO_SERVICE_UNAVAILABLE', `${s.label} was stopped`, {
        hint: 'Retry; what ran it is being replaced or shut down.', retryable: true, retryAfterMs: 1000, details,
      });
  }
}

function notStarted(label: string, reason: GoneReason): TahoError {
  return new TahoError('TAHO_SERVICE_UNAVAILABLE', `${label} did not start: its thread was stopped (${reason})`, {
    hint: 'Retry; nothing of it ran.', retryable: true, retryAfterMs: 1000, details: { thread: reason, started: false },
  });
}
