import type { Client, TahoEvent } from '../client/contract.js';
import type { Connection } from './model.js';

export interface FollowOptions {
  readonly signal: AbortSignal;
  readonly onEvent: (e: TahoEvent) => void;
  readonly onConnection: (c: Connection) => void;
  /** Wait before reconnecting (default 1 s). */
  readonly retryMs?: number | undefined;
  /** Resume after this id (default: only new events). */
  readonly after?: number | undefined;
}

/**
 * Follows `client.watch()` until `signal` aborts. When the stream throws or ends (the server went
 * away), says "reconnecting" and opens it again every `retryMs`, resuming after the last event
 * seen, so nothing is missed or seen twice.
 */
export async function followEvents(client: Client, options: FollowOptions): Promise<void> {
  const { signal, onEvent, onConnection } = options;
  const retryMs = options.retryMs ?? 1000;
  let after = options.after;
  while (!signal.aborted) {
    try {
      // First connection: only what happens from now (the snapshot has the rest); then resume by id.
      const stream = client.watch({ after: after ?? 'latest', follow: true, signal });
      onConnection('live');
      for await (const e of stream) {
        if (signal.aborted) return;
        if (after !== undefined && e.id <= after) continue;
        after = e.id;
        onEvent(e);
      }
    } catch {
      // The server went away (or watch is unavailable): retry below.
    }
    if (signal.aborted) return;
    onConnection('reconnecting');
    await sleep(retryMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
