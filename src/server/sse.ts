import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';

/** Open event streams, so a server that shuts down ends them instead of waiting on them. */
const open = new Map<ServerResponse, () => void>();

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
  const done = (): void => {
    open.delete(res);
    abort.abort();
  };
  req.raw.on('close', done);
  res.on('close', done);
  // What is sent in one go (a follower's batch, several commits of one turn) leaves in one
  // write at the end of the tick instead of a system call each.
  let queued: string[] = [];
  const flush = (): void => {
    if (queued.length === 0) return;
    const chunk = queued.join('');
    queued = [];
    if (!res.writableEnded) res.write(chunk);
  };
  const queue = (text: string): void => {
    if (res.writableEnded) return;
    queued.push(text);
    if (queued.length === 1) process.nextTick(flush);
  };
  open.set(res, flush);
  return {
    send(event, data, id) {
      queue(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    comment(text) {
      queue(`: ${text}\n\n`);
    },
    end() {
      flush();
      if (!res.writableEnded) res.end();
      done();
    },
    closed: abort.signal,
  };
}

/** Ends every open stream (server shutdown). */
export function endAllSse(): void {
  for (const [res, flush] of [...open]) {
    flush();
    res.end();
  }
  open.clear();
}
