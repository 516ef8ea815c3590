import { parentPort } from 'node:worker_threads';
import type { FamilyModule, ThreadHandler, ThreadMessage, ThreadReply, WarmModule } from './protocol.js';

/**
 * The one script every pool thread runs. It handles messages strictly in arrival order; a
 * handler that answers synchronously (a service call) is replied to in the same turn, and one
 * that answers with a promise (opening an instance) holds the messages behind it until it settles.
 */
const port = parentPort;
if (port) {
  let handler: ThreadHandler | undefined;
  let loadFailed = 'no module was loaded in this thread';
  let tail: Promise<void> | undefined;

  const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
  /** Replies given while a batch is handled synchronously, posted together at its end. */
  let batch: ThreadReply[] | undefined;
  const reply = (r: ThreadReply): void => {
    if (batch) batch.push(r);
    else port.postMessage(r);
  };

  const answer = (id: number | undefined, run: () => unknown): Promise<void> | undefined => {
    let out: unknown;
    try {
      out = run();
    } catch (err) {
      if (id !== undefined) reply({ id, error: message(err) });
      return undefined;
    }
    if (out instanceof Promise) {
      return out.then(
        (value: unknown) => { if (id !== undefined) reply({ id, value }); },
        (err: unknown) => { if (id !== undefined) reply({ id, error: message(err) }); },
      );
    }
    if (id !== undefined) reply({ id, value: out });
    return undefined;
  };

  const handle = (msg: ThreadMessage): Promise<void> | undefined => {
    const id = 'id' in msg ? msg.id : undefined;
    if ('load' in msg) {
      return answer(id, async () => {
        try {
          handler = ((await import(msg.load)) as FamilyModule).createHandler();
        } catch (err) {
          loadFailed = `cannot load ${msg.load}: ${message(err)}`;
          throw err;
        }
      });
    }
    if ('warm' in msg) return answer(id, async () => ((await import(msg.warm)) as WarmModule).warm());
    const h = handler;
    if (!h) return answer(id, () => { throw new Error(loadFailed); });
    return answer(id, () => h(msg.body));
  };

  const follow = (p: Promise<void>): void => {
    const mine: Promise<void> = p.then(() => {
      if (tail === mine) tail = undefined;
    });
    tail = mine;
  };

  const receive = (msg: ThreadMessage): void => {
    if (tail) follow(tail.then(() => handle(msg)));
    else {
      const pending = handle(msg);
      if (pending) follow(pending);
    }
  };

  port.on('message', (msg: ThreadMessage | ThreadMessage[]) => {
    if (!Array.isArray(msg)) {
      receive(msg);
      return;
    }
    // What is answered synchronously goes back in one message; what waits on a promise answers later, in order.
    batch = [];
    try {
      for (const one of msg) receive(one);
    } finally {
      const out = batch;
      batch = undefined;
      if (out.length === 1) port.postMessage(out[0]);
      else if (out.length > 1) port.postMessage(out);
    }
  });
}
