export type StopReason = 'timeout' | 'abort';

/** A job run's timeout and its abort signal as one event, armed from the start of the run. */
export class Stopper {
  reason: StopReason | undefined;
  readonly #listeners = new Set<(by: StopReason) => void>();
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.#fire('abort');

  /** `timeoutMs` ≤ 0: no timeout. */
  constructor(timeoutMs: number, signal: AbortSignal | undefined) {
    this.#signal = signal;
    this.#timer = timeoutMs > 0 ? setTimeout(() => this.#fire('timeout'), timeoutMs) : undefined;
    if (signal?.aborted) this.reason = 'abort';
    else signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Calls `listener` once the run is to stop (at once if it already is); returns the unsubscribe. */
  on(listener: (by: StopReason) => void): () => void {
    if (this.reason) {
      listener(this.reason);
      return () => undefined;
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Settles as `p` does, unless the run is stopped first. */
  race<T>(p: Promise<T>): Promise<{ readonly value: T } | { readonly stopped: StopReason }> {
    return new Promise((resolve, reject) => {
      const off = this.on((stopped) => resolve({ stopped }));
      p.then((value) => resolve({ value }), reject).finally(off);
    });
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#listeners.clear();
  }

  #fire(by: StopReason): void {
    if (this.reason) return;
    this.reason = by;
    for (const l of [...this.#listeners]) l(by);
  }
}
