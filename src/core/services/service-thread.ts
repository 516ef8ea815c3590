import { instantiateInWorker, type WorkerInit } from '../components/worker-instance.js';
import type { ThreadHandler } from '../workers/protocol.js';
import { lookup } from './inline-executor.js';
import { CallFailure } from './executor.js';

/**
 * What a service's pool thread runs: one component instance, so a call that never returns can be
 * stopped by terminating the thread without touching the server.
 */
export type ServiceRequest =
  /** The first request: the component this thread is for. */
  | { readonly init: WorkerInit }
  | { readonly path: readonly string[]; readonly args: readonly unknown[] };

export type ServiceReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly thrown: unknown; readonly trap: boolean; readonly message: string };

/** The answer to `init`: undefined when the instance is ready, else why it cannot start. */
export type InitReply = { readonly failed: string } | undefined;

export function createHandler(): ThreadHandler {
  let exports: Record<string, unknown> | undefined;
  return (body) => {
    const msg = body as ServiceRequest;
    if ('init' in msg) {
      return instantiateInWorker(msg.init, {}).then(
        (e): InitReply => {
          exports = e;
          return undefined;
        },
        (err: unknown): InitReply => ({ failed: err instanceof Error ? err.message : String(err) }),
      );
    }
    try {
      if (!exports) throw new CallFailure(true, 'the instance is not ready', undefined);
      return { ok: true, value: lookup(exports, msg.path)(...msg.args) } satisfies ServiceReply;
    } catch (err) {
      const failure = CallFailure.from(err);
      return { ok: false, thrown: failure.payload, trap: failure.trap, message: failure.message } satisfies ServiceReply;
    }
  };
}
