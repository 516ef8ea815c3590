import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';

/** Open event streams, so a server that shuts down ends them instead of waiting on them. */
const open = new Set<ServerResponse>();

export interface SseStream {
  send(event: string, data: unknown, id?: string | number): void;
  comment(text: string): void;
  end(): void;
  /** Aborted when the client goes away (or the server ends the stream). */
  readonly closed: AbortSignal;
}

/**
 * Takes over the response as `text/event-stream`. Headers are flushed at once: a stream with
 * nothing to say yet must still answer, or the client waits for the first event.
 */
export function openSse(req: FastifyRequest, reply: FastifyReply): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  const abort = new AbortController();
  open.add(res);
  const done = (): void => {
    open.delete(res);
    abort.abort();
  };
  req.raw.on('close', done);
  res.on('close', done);
  let corked = false;
  return {
    send(event, data, id) {
      if (res.writableEnded) return;
      // Events sent in one go (a follower's batch, several commits of one turn) leave in one
      // write instead of a system call each.
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(() => {
          corked = false;
          res.uncork();
        });
      }
      res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    comment(text) {
      if (!res.writableEnded) res.write(`: ${text}\n\n`);
    },
    end() {
      if (!res.writableEnded) res.end();
      done();
    },
    closed: abort.signal,
  };
}

/** Ends every open stream (server shutdown). */
export function endAllSse(): void {
  for (const res of [...open]) res.end();
  open.clear();
}
