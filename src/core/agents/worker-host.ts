import { TahoError } from '../errors.js';
import type { ComponentLoader } from '../components/loader.js';
import type { ComponentEntry } from '../components/registry.js';
import { workerScript } from '../components/worker-instance.js';
import { CallFailure } from '../services/executor.js';
import type { ThreadKind, WorkerPool } from '../workers/pool.js';
import { threadGone, type PoolThread } from '../workers/thread.js';
import { InstanceLost, type AgentHost, type AgentInstance, type AgentWasi, type Step, type StepResult } from './instance.js';
import type { AgentThreadMessage, AgentThreadReply } from './agent-thread.js';

interface Thread {
  readonly thread: PoolThread;
  instances: number;
}

/** Opening an instance includes the first instantiation of a component in a thread. */
const OPEN_TIMEOUT_MS = 60_000;

const TIMEOUT_HINT = 'The call had no effect on the agent\'s state. The component runs too long (or loops forever); raise [limits] invoke_timeout_ms if it needs more time.';

const AGENT_THREAD: ThreadKind = { family: 'agent', module: workerScript(import.meta.url, 'agent-thread.js') };

/** What the spare threads warm; an agent thread warms it too, ahead of its first instance. */
const WARM = workerScript(import.meta.url, '../components/worker-instance.js');

export interface AgentWorkerHostOptions {
  readonly threads: number;
  readonly memoryLimitBytes?: number | undefined;
}

/**
 * Agents in a few of the runtime's pool threads, each thread hosting many agents' instances. A
 * call past the invoke timeout is stopped by terminating its thread: the caller gets a timeout,
 * and the other agents of that thread lose only their in-memory instance (their queued calls
 * never started), which they rebuild from the oplog before running those calls.
 */
export class AgentWorkerHost implements AgentHost {
  readonly #loader: ComponentLoader;
  readonly #pool: WorkerPool;
  readonly #options: AgentWorkerHostOptions;
  readonly #threads: Thread[] = [];
  #nextIid = 1;
  #closed = false;

  constructor(loader: ComponentLoader, pool: WorkerPool, options: AgentWorkerHostOptions) {
    this.#loader = loader;
    this.#pool = pool;
    this.#options = { ...options, threads: Math.max(1, options.threads) };
  }

  async open(entry: ComponentEntry, wasi: AgentWasi): Promise<AgentInstance> {
    const init = await this.#loader.workerInit(entry, wasi.environment, this.#options.memoryLimitBytes);
    const t = this.#pick();
    const iid = this.#nextIid++;
    const opened = await this.#send(t, { op: 'open', iid, init, arguments: wasi.arguments }, OPEN_TIMEOUT_MS, entry.key);
    if (!opened.ok) {
      throw new TahoError('TAHO_COMPONENT_INVALID', `cannot instantiate ${entry.key}: ${opened.message}`, {
        hint: `It imports ${entry.signature.imports.join(', ') || 'nothing'}; taho provides WASI 0.2 interfaces only.`,
      });
    }
    t.instances += 1;
    let disposed = false;
    let bytes = opened.memory ?? 0;
    return {
      run: async (steps: readonly Step[], timeoutMs: number): Promise<StepResult[]> => {
        if (!t.thread.alive) throw new InstanceLost('its thread was stopped');
        const r = await this.#send(t, { op: 'run', iid, steps }, timeoutMs, steps[0]?.label ?? entry.key);
        if (!r.ok) throw new InstanceLost(r.message);
        bytes = r.memory ?? bytes;
        return r.results ?? [];
      },
      memoryBytes: () => (!t.thread.alive || disposed ? 0 : bytes),
      dispose: () => {
        if (disposed) return;
        disposed = true;
        t.instances -= 1;
        t.thread.notify({ op: 'close', iid } satisfies AgentThreadMessage);
      },
    };
  }

  async warm(): Promise<void> {
    while (!this.#closed && this.#threads.length < this.#options.threads) this.#spawn();
    await Promise.all(this.#threads.map((t) => t.thread.warm(WARM).catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#threads.splice(0).map((t) => t.thread.terminate()));
  }

  /** The thread with the fewest instances; a new one while the pool is not full. */
  #pick(): Thread {
    if (this.#closed) throw new TahoError('TAHO_SERVICE_UNAVAILABLE', 'the agent threads are shut down', { hint: 'The server is stopping; retry against the new one.', retryable: true });
    if (this.#threads.length < this.#options.threads) return this.#spawn();
    return this.#threads.reduce((best, t) => (t.instances < best.instances ? t : best));
  }

  #spawn(): Thread {
    const t: Thread = { thread: this.#pool.acquire(AGENT_THREAD, 'agents'), instances: 0 };
    this.#threads.push(t);
    t.thread.onGone(() => {
      const i = this.#threads.indexOf(t);
      if (i >= 0) this.#threads.splice(i, 1);
    });
    return t;
  }

  async #send(t: Thread, msg: AgentThreadMessage, timeoutMs: number, label: string): Promise<AgentThreadReply> {
    try {
      return await t.thread.request<AgentThreadReply>(msg, { label, timeoutMs, timeoutHint: TIMEOUT_HINT });
    } catch (err) {
      throw lost(err, this.#closed);
    }
  }
}

/** A thread's end in the agents' terms: the call that ran it out failed; the ones behind it lost their instance. */
function lost(err: unknown, closed: boolean): unknown {
  const gone = threadGone(err);
  if (!gone) return err;
  if (closed) return new InstanceLost('the server is shutting down');
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : gone.reason;
  if (!gone.started) return new InstanceLost(gone.reason === 'timeout' ? 'its thread was stopped for another agent\'s call' : `its thread died: ${cause}`);
  if (gone.reason === 'timeout') return err;
  if (gone.reason === 'stopped') return new InstanceLost('its thread was stopped');
  return new CallFailure(true, `the agent's thread died: ${cause}`, undefined);
}
