import type { TahoEvent } from './contract.js';

export interface Waker {
  /** Resolves at the next relevant event (or at once if one came since the last wait), or after `fallbackMs`. */
  wait(fallbackMs: number): Promise<void>;
}

/**
 * Turns an event stream into "wait until something relevant happened": what a follow sleeps on
 * instead of a timer. If the stream fails, waits end by their fallback alone (the caller's next
 * read reports an unreachable server in its own words).
 */
export function eventWaker(events: AsyncIterable<TahoEvent>, relevant: (e: TahoEvent) => boolean): Waker {
  let pending = false;
  let wake: (() => void) | undefined;
  void (async () => {
    try {
      for await (const e of events) {
        if (!relevant(e)) continue;
        if (wake) wake();
        else pending = true;
      }
    } catch {
      // the fallback keeps the caller going
    }
  })();
  return {
    wait(fallbackMs) {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, fallbackMs);
        wake = done;
      });
    },
  };
}
