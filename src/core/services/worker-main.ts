import { parentPort, workerData } from 'node:worker_threads';
import { instantiateInWorker, type WorkerInit } from '../components/worker-instance.js';
import { lookup } from './inline-executor.js';
import { CallFailure } from './executor.js';

/**
 * The inside of an isolated service instance: one component instance in its own thread, so a
 * call that never returns can be stopped by terminating the thread without touching the server.
 */
export interface CallMessage { readonly id: number; readonly path: readonly string[]; readonly args: readonly unknown[] }

export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly thrown: unknown; readonly trap: boolean; readonly message: string };

/** The first message to a thread booted ahead of need (SpareWorkers): the component it is for. */
export interface InitMessage { readonly init: WorkerInit }

const port = parentPort;
if (port) {
  if (workerData) start(port, workerData as WorkerInit);
  else port.once('message', (msg: InitMessage) => start(port, msg.init));
}

function start(port: NonNullable<typeof parentPort>, init: WorkerInit): void {
  instantiateInWorker(init, {}).then(
    (exports) => {
      port.on('message', (msg: CallMessage) => {
        let reply: WorkerReply;
        try {
          const fn = lookup(exports, msg.path);
          reply = { id: msg.id, ok: true, value: fn(...msg.args) };
        } catch (err) {
          const failure = CallFailure.from(err);
          reply = { id: msg.id, ok: false, thrown: failure.payload, trap: failure.trap, message: failure.message };
        }
        port.postMessage(reply);
      });
      port.postMessage({ type: 'ready' } satisfies WorkerReply);
    },
    (err: unknown) => port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
}
