import { TahoError } from '../core/errors.js';
import type { Client, TahoEvent, WatchOptions } from './contract.js';

export interface Waker {
  /** Resolves once the stream is live: a change after this wakes `wait`. Read the state after it. */
  readonly live: Promise<void>;
  /**
   * Resolves at the next relevant event (at once if one came since the last wait) or when the
   * watch's signal aborts; rejects with the stream's error when it fails (a server that keeps
   * dropping it), so a follow ends with the reason instead of waiting on nothing.
   */
  wait(): Promise<void>;
}

/**
 * Turns the one event stream (`Client.watch`) into "wait until something relevant happened":
 * what a follow sleeps on, with no timer behind it.
 */
export function eventWaker(client: Client, options: Omit<WatchOptions, 'follow' | 'onLive'> & { signal: AbortSignal }, relevant: (e: TahoEvent) => boolean): Waker {
  let pending = false;
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;
  let resolveLive: () => void = () => undefined;
  let rejectLive: (err: unknown) => void = () => undefined;
  const live = new Promise<void>((resolve, reject) => {
    resolveLive = resolve;
    rejectLive = reject;
  });
  const settle = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  void (async () => {
    try {
      for await (const e of client.watch({ ...options, follow: true, onLive: resolveLive })) {
        if (!relevant(e)) continue;
        pending = true;
        settle();
      }
      // A follow ends only when its signal aborts; any other end means it can tell no more.
      if (!options.signal.aborted) {
        failure = new TahoError('TAHO_SERVER_UNREACHABLE', 'the event stream ended while following', { hint: 'Run the command again.' });
      }
    } catch (err) {
      if (!options.signal.aborted) failure = err;
    }
    ended = true;
    if (failure !== undefined) rejectLive(failure);
    else resolveLive();
    settle();
  })();
  // A caller that stops before awaiting `live` must not leave its rejection unhandled.
  live.catch(() => undefined);
  return {
    live,
    wait() {
      return new Promise<void>((resolve, reject) => {
        const check = (): boolean => {
          if (pending) {
            pending = false;
            resolve();
          } else if (failure !== undefined) reject(failure);
          else if (ended) resolve();
          else return false;
          return true;
        };
        if (!check()) wake = () => void check();
      });
    },
  };
}
