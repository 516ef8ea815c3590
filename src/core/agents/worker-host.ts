import { Worker } from 'node:worker_threads';
import { TahoError } from '../errors.js';
import type { ComponentLoader } from '../components/loader.js';
import type { ComponentEntry } from '../components/registry.js';
import { workerScript } from '../components/worker-instance.js';
import { CallFailure } from '../services/executor.js';
import { InstanceLost, type AgentHost, type AgentInstance, type AgentWasi, type Step, type StepResult } from './instance.js';
import type { AgentThreadMessage, AgentThreadReply } from './worker-main.js';

interface Sent {
  readonly id: number;
  readonly timeoutMs: number;
  readonly label: string;
  readonly resolve: (r: AgentThreadReply) => void;
  readonly reject: (e: unknown) => void;
}

interface Thread {
  readonly worker: Worker;
  /** Messages sent and not answered, oldest first: the thread handles them one after another. */
  readonly sent: Sent[];
  /** Runs for the oldest sent message, the one the thread is executing. */
  timer: NodeJS.Timeout | undefined;
  instances: number;
  dead: boolean;
}

/** Opening an instance includes the first instantiation of a component in a thread. */
const OPEN_TIMEOUT_MS = 60_000;

export interface AgentWorkerHostOptions {
  readonly threads: number;
  readonly memoryLimitBytes?: number | undefined;
}

/**
 * Agents in a small pool of worker threads, each thread hosting many agents' instances. A call
 * past the invoke timeout is stopped by terminating its thread: the caller gets a timeout, and
 * the other agents of that thread lose only their in-memory instance (their queued calls never
 * started), which they rebuild from the oplog before running those calls.
 */
export class AgentWorkerHost implements AgentHost {
  readonly #loader: ComponentLoader;
  readonly #options: AgentWorkerHostOptions;
  readonly #threads: Thread[] = [];
  #nextId = 1;
  #closed = false;

  constructor(loader: ComponentLoader, options: AgentWorkerHostOptions) {
    this.#loader = loader;
    this.#options = { ...options, threads: Math.max(1, options.threads) };
  }

  async open(entry: ComponentEntry, wasi: AgentWasi): Promise<AgentInstance> {
    const init = await this.#loader.workerInit(entry, wasi.environment, this.#options.memoryLimitBytes);
    const thread = this.#pick();
    const iid = this.#nextId++;
    const opened = await this.#send(thread, { op: 'open', id: this.#nextId++, iid, init, arguments: wasi.arguments }, OPEN_TIMEOUT_MS, entry.key);
    if (!opened.ok) {
      throw new TahoError('TAHO_COMPONENT_INVALID', `cannot instantiate ${entry.key}: ${opened.message}`, {
        hint: `It imports ${entry.signature.imports.join(', ') || 'nothing'}; taho provides WASI 0.2 interfaces only.`,
      });
    }
    thread.instances += 1;
    let disposed = false;
    let bytes = opened.memory ?? 0;
    return {
      run: async (steps: readonly Step[], timeoutMs: number): Promise<StepResult[]> => {
        if (thread.dead) throw new InstanceLost('its thread was stopped');
        const r = await this.#send(thread, { op: 'run', id: this.#nextId++, iid, steps }, timeoutMs, steps[0]?.label ?? entry.key);
        if (!r.ok) throw new InstanceLost(r.message);
        bytes = r.memory ?? bytes;
        return r.results ?? [];
      },
      memoryBytes: () => (thread.dead || disposed ? 0 : bytes),
      dispose: () => {
        if (disposed) return;
        disposed = true;
        thread.instances -= 1;
        if (!thread.dead) thread.worker.postMessage({ op: 'close', iid } satisfies AgentThreadMessage);
      },
    };
  }

  async warm(): Promise<void> {
    while (!this.#closed && this.#threads.length < this.#options.threads) this.#spawn();
    await Promise.all(this.#threads.map((t) => this.#send(t, { op: 'warm', id: this.#nextId++ }, OPEN_TIMEOUT_MS, 'warm-up').catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads.splice(0);
    for (const t of threads) this.#kill(t, () => new InstanceLost('the server is shutting down'));
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  /** The thread with the fewest instances; a new one while the pool is not full. */
  #pick(): Thread {
    if (this.#closed) throw new TahoError('TAHO_SERVICE_UNAVAILABLE', 'the agent threads are shut down', { hint: 'The server is stopping; retry against the new one.', retryable: true });
    if (this.#threads.length < this.#options.threads) return this.#spawn();
    return this.#threads.reduce((best, t) => (t.instances < best.instances ? t : best));
  }

  #spawn(): Thread {
    const worker = new Worker(workerScript(import.meta.url, 'worker-main.js'));
    const thread: Thread = { worker, sent: [], timer: undefined, instances: 0, dead: false };
    this.#threads.push(thread);
    worker.on('message', (msg: AgentThreadReply) => {
      const head = thread.sent[0];
      if (!head || head.id !== msg.id) return;
      thread.sent.shift();
      this.#startTimer(thread);
      head.resolve(msg);
    });
    const died = (err: Error): void => this.#kill(thread, (first) => first
      ? new CallFailure(true, `the agent's thread died: ${err.message}`, undefined)
      : new InstanceLost(`its thread died: ${err.message}`));
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`exit code ${code}`)));
    return thread;
  }

  #send(thread: Thread, msg: AgentThreadMessage & { id: number }, timeoutMs: number, label: string): Promise<AgentThreadReply> {
    return new Promise((resolve, reject) => {
      thread.sent.push({ id: msg.id, timeoutMs, label, resolve, reject });
      if (thread.sent.length === 1) this.#startTimer(thread);
      thread.worker.postMessage(msg);
    });
  }

  #startTimer(thread: Thread): void {
    clearTimeout(thread.timer);
    const head = thread.sent[0];
    thread.timer = head ? setTimeout(() => this.#timeout(thread), head.timeoutMs) : undefined;
  }

  #timeout(thread: Thread): void {
    this.#kill(thread, (first, s) => first
      ? new TahoError('TAHO_INVOKE_TIMEOUT', `${s.label} did not answer within ${s.timeoutMs} ms and was stopped`, {
        hint: 'The call had no effect on the agent\'s state. The component runs too long (or loops forever); raise [limits] invoke_timeout_ms if it needs more time.',
        retryable: true,
      })
      : new InstanceLost('its thread was stopped for another agent\'s call'));
  }

  /** Ends a thread: the message it was running gets `why(true)`, the ones behind it `why(false)`. */
  #kill(thread: Thread, why: (first: boolean, s: Sent) => unknown): void {
    if (thread.dead) return;
    thread.dead = true;
    clearTimeout(thread.timer);
    const i = this.#threads.indexOf(thread);
    if (i >= 0) this.#threads.splice(i, 1);
    thread.sent.splice(0).forEach((s, n) => s.reject(why(n === 0, s)));
    void thread.worker.terminate();
  }
}
