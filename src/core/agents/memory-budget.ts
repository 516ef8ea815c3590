import { TahoError } from '../errors.js';
import type { ComponentEntry } from '../components/registry.js';
import type { AgentHost, AgentInstance, AgentWasi, Step, StepResult } from './instance.js';

/** When a refused activation is worth trying again: a busy agent's call usually ends by then. */
const RETRY_AFTER_MS = 1000;
const MiB = 1024 * 1024;

/**
 * One memory budget for every agent instance, around the host that holds them. Each instance is
 * measured after every call (its linear memories); past the budget the least recently used idle
 * agents give up their instances, and while busy agents alone fill it, no new instance opens: the
 * caller gets 503 with Retry-After. The budget is checked before an instance opens and after each
 * call, so the calls running at that moment may take the total past it by what they grow.
 */
export class MemoryBudget implements AgentHost {
  readonly #inner: AgentHost;
  readonly #maxBytes: number;
  /** Drops the instance of the least recently used idle agent; false when no agent is idle. */
  readonly #evictIdle: () => boolean;
  readonly #open = new Set<AgentInstance>();

  constructor(inner: AgentHost, maxBytes: number, evictIdle: () => boolean) {
    this.#inner = inner;
    this.#maxBytes = maxBytes;
    this.#evictIdle = evictIdle;
  }

  /** Bytes held by every open instance, as measured after its last call. */
  get usedBytes(): number {
    let total = 0;
    for (const i of this.#open) total += i.memoryBytes();
    return total;
  }

  async open(entry: ComponentEntry, wasi: AgentWasi): Promise<AgentInstance> {
    this.#makeRoom();
    const used = this.usedBytes;
    if (used >= this.#maxBytes) {
      throw new TahoError('TAHO_SERVICE_UNAVAILABLE', `no memory for another agent: the agents in memory hold ${mib(used)} of the ${mib(this.#maxBytes)} budget, and none is idle`, {
        hint: 'Retry when a running call has ended, or raise [agents] max_memory.',
        retryable: true,
        retryAfterMs: RETRY_AFTER_MS,
      });
    }
    const inner = await this.#inner.open(entry, wasi);
    const instance: AgentInstance = {
      run: async (steps: readonly Step[], timeoutMs: number): Promise<StepResult[]> => {
        try {
          return await inner.run(steps, timeoutMs);
        } finally {
          this.#makeRoom();
        }
      },
      memoryBytes: () => inner.memoryBytes(),
      dispose: () => {
        this.#open.delete(instance);
        inner.dispose();
      },
    };
    this.#open.add(instance);
    return instance;
  }

  warm(): Promise<void> {
    return this.#inner.warm();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #makeRoom(): void {
    while (this.usedBytes >= this.#maxBytes && this.#evictIdle()) {
      // each round frees one idle agent's instance
    }
  }
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}
