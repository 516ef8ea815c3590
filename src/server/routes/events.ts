import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../../core/runtime.js';
import { TahoError } from '../../core/errors.js';
import { EVENT_KINDS, type EventFilter, type EventKind, type TahoEvent } from '../../core/events/bus.js';
import { openSse } from '../sse.js';

type Query = { after?: string; kind?: string; subject?: string; follow?: string };

/**
 * The one event stream (SSE): every state change of town, jobs, durable agents and services.
 * Each event's SSE id is its stored id: `Last-Event-ID` (or `?after=`) resumes after it with no
 * gap and no repeat, across server restarts too. `?kind=town,job` and `?subject=` filter;
 * `?follow=false` ends after what is stored. `?kind=log` adds the live-only "a log grew" events
 * (no SSE id) that log follows wake on.
 */
export function eventRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get<{ Querystring: Query }>('/v1/events', {
    schema: {
      tags: ['events'],
      summary: 'Every state change, as server-sent events; Last-Event-ID (or ?after=, or ?after=latest for only new ones) resumes; ?kind=town,job,agent,service,log and ?subject= filter (log: live-only "a log grew" events, no id); ?follow=false ends after what is stored',
      querystring: {
        type: 'object',
        properties: {
          after: { type: 'string', pattern: '^([0-9]{1,15}|latest)$' },
          kind: { type: 'string', maxLength: 64 },
          subject: { type: 'string', maxLength: 512 },
          follow: { type: 'string', enum: ['true', 'false'] },
        },
      },
    },
  }, async (req, reply) => stream(runtime, req, reply));
}

async function stream(runtime: Runtime, req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply): Promise<void> {
  const kinds = req.query.kind === undefined ? undefined : req.query.kind.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = kinds?.filter((k) => !EVENT_KINDS.includes(k as EventKind)) ?? [];
  if (unknown.length > 0) throw new TahoError('TAHO_BAD_REQUEST', `unknown event kind ${unknown.join(', ')}`, { hint: `Kinds are ${EVENT_KINDS.join(', ')}.` });
  const filter: EventFilter = { kinds: kinds as EventKind[] | undefined, subject: req.query.subject };
  const header = req.headers['last-event-id'];
  const log = runtime.events();
  const from = (typeof header === 'string' && /^\d+$/.test(header) ? header : undefined) ?? req.query.after ?? '0';
  const after = from === 'latest' ? await log.lastId() : Number(from);
  const sse = openSse(req, reply);
  // Live-only events (a log grew) carry no SSE id, so they never move the resume point.
  const send = (e: TahoEvent): void => (e.id === 0 ? sse.send(e.kind, e) : sse.send(e.kind, e, e.id));
  if (req.query.follow === 'false') {
    for (let last = after, page = await log.read(last, filter); page.length > 0; page = await log.read(last, filter)) {
      for (const e of page) send(e);
      last = page.at(-1)?.id ?? last;
    }
    sse.send('end', {});
    sse.end();
    return;
  }
  const keepAlive = setInterval(() => sse.comment('keep-alive'), 15_000);
  sse.closed.addEventListener('abort', () => clearInterval(keepAlive));
  // The log's one follow primitive: replay after the resume point, then live, no gap, no repeat.
  void (async () => {
    try {
      for await (const e of log.follow({ after, ...filter, signal: sse.closed })) send(e);
    } catch {
      // the store failed under the stream: the client reconnects with Last-Event-ID
      sse.end();
    }
  })();
}
