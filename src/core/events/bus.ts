import type { EventLog, TahoEvent } from '../store/ports/index.js';

export type { EventFilter, EventKind, TahoEvent } from '../store/ports/index.js';
export { EVENT_KINDS, matchesFilter as matches } from '../store/ports/index.js';

/**
 * Resolves at the next event `pick` accepts (committed after this call, by any process, or a log
 * notice of this one) or when `signal` aborts. Rides the log's one follow primitive.
 */
export async function nextEvent(log: EventLog, pick: (e: TahoEvent) => boolean, signal: AbortSignal): Promise<void> {
  const stop = new AbortController();
  const abort = (): void => stop.abort();
  signal.addEventListener('abort', abort, { once: true });
  try {
    if (signal.aborted) return;
    for await (const e of log.follow({ after: await log.lastId(), kinds: ['job', 'log', 'agent', 'town', 'service'], signal: stop.signal })) {
      if (pick(e)) return;
    }
  } finally {
    signal.removeEventListener('abort', abort);
    stop.abort();
  }
}
