/** What the dispatcher asks of the town; kept narrow so the loop can be tested on its own. */
export interface DispatchTarget {
  /** Starts a round for every idle agent with work in its inbox; returns how many it started. */
  dispatch(): Promise<number>;
  /** Rounds running in this process. */
  inFlight(): number;
  /** Whether some idle agent has work waiting (used to tell "stalled" from "nothing to do"). */
  hasWaitingWork(): Promise<boolean>;
  /** Records the loop's heartbeat where other processes can read it. */
  heartbeat(at: string): Promise<void>;
}

export type DispatcherState = 'idle' | 'running' | 'stalled';

/**
 * The loop that hands inbox work to idle agents, on a timer and at once when woken (assign,
 * send, a finished round). Every timer it owns is cleared by `stop`, so tests end cleanly.
 */
export class Dispatcher {
  readonly #target: DispatchTarget;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #wakeup: NodeJS.Immediate | undefined;
  #running = false;
  /** A tick is in flight: a wake-up during it runs one more tick after it, never two at once. */
  #ticking = false;
  #again = false;
  #lastTick: number | undefined;
  #lastError: unknown;

  constructor(target: DispatchTarget, intervalMs: number) {
    this.#target = target;
    this.#intervalMs = intervalMs;
  }

  get started(): boolean {
    return this.#running;
  }

  /** When the loop last ran (ms since epoch), or undefined. */
  get lastTick(): number | undefined {
    return this.#lastTick;
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#tick();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#wakeup !== undefined) clearImmediate(this.#wakeup);
    this.#timer = undefined;
    this.#wakeup = undefined;
  }

  /** Run soon rather than at the next interval; repeated wakes in one turn run once. */
  wake(): void {
    if (!this.#running || this.#wakeup !== undefined) return;
    this.#wakeup = setImmediate(() => {
      this.#wakeup = undefined;
      this.#tick();
    });
  }

  async state(): Promise<DispatcherState> {
    const late = this.#lastTick === undefined || Date.now() - this.#lastTick > 3 * this.#intervalMs + 1000;
    if (!this.#running || late || this.#lastError !== undefined) return (await this.#target.hasWaitingWork()) ? 'stalled' : 'idle';
    return this.#target.inFlight() > 0 ? 'running' : 'idle';
  }

  #tick(): void {
    if (!this.#running) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#ticking = true;
    const now = Date.now();
    void (async () => {
      try {
        await this.#target.heartbeat(new Date(now).toISOString());
        await this.#target.dispatch();
        this.#lastTick = now;
        this.#lastError = undefined;
      } catch (err) {
        // A busy or failing store must not kill the loop; state() reports it as stalled.
        this.#lastError = err;
      }
      this.#ticking = false;
      if (!this.#running) return;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
      this.#timer = setTimeout(() => this.#tick(), this.#intervalMs);
    })();
  }
}
