import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Agent, request } from 'undici';
import { notOwner, type ClusterMember } from '../../core/cluster/member.js';
import { shardOf } from '../../core/cluster/shards.js';
import { TahoError } from '../../core/errors.js';
import type { Runtime } from '../../core/runtime.js';
import type { NodeView } from '../../core/store/ports/cluster.js';

/** Routes whose work happens on the agent's owner: everything under one worker except reading its oplog (a store read any node does). */
const WORKER = '/v1/components/:component_id/workers/:worker_name';
const INVOKE = new Set([`${WORKER}/invoke`, `${WORKER}/invoke-and-await`]);
function ownerRoute(method: string, url: string): boolean {
  return url === WORKER || (url.startsWith(`${WORKER}/`) && !(method === 'GET' && url === `${WORKER}/oplog`));
}

/** Says a request came from another node: its receiver runs it or refuses, never forwards again. */
const FORWARDED = 'x-taho-forwarded-by';
/** The node that answered (tests and operators see where a call ran). */
const NODE = 'x-taho-node';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** How often a forwarded request checks that its shard's owner is still the node it waits for (owners are re-read every beat). */
const OWNER_CHECK_MS = 50;

type Params = { component_id?: string; worker_name?: string };

/**
 * Any node takes a call for any agent: a request for an agent whose shard another node holds is
 * sent on to it over a kept-alive connection, and its answer relayed as it came. While the shard
 * has no owner (its node died and the lease has not expired yet) the request waits, up to
 * `[cluster] forward_wait_ms`. An invocation without an idempotency key gets one before it is
 * forwarded, so retrying it on the next owner after its first owner died cannot apply it twice.
 */
export function forwardToOwners(app: FastifyInstance, runtime: Runtime): void {
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 128, connect: { timeout: 2000 } });
  app.addHook('onClose', async () => {
    await dispatcher.close();
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    const member = runtime.cluster();
    if (member && !reply.hasHeader(NODE)) void reply.header(NODE, member.id);
    // TAHO_NOT_OWNER's status: a forwarding node tells it from any other 421 by this header.
    if (reply.statusCode === 421) void reply.header('x-taho-not-owner', '1');
    return payload;
  });
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.routeOptions.url ?? '';
    if (!ownerRoute(req.method, url)) return;
    const { component_id: ref = '', worker_name: agent = '' } = req.params as Params;
    let componentId: string;
    try {
      componentId = runtime.component(ref).id;
    } catch {
      return; // the route answers an unknown component in its own words
    }
    const shard = shardOf(componentId, agent);
    const forwarded = typeof req.headers[FORWARDED] === 'string';
    if (INVOKE.has(url) && req.headers['idempotency-key'] === undefined) req.headers['idempotency-key'] = randomUUID();
    const deadline = performance.now() + runtime.config.cluster.forward_wait_ms;
    for (;;) {
      const member = runtime.cluster();
      const route = member?.route(shard) ?? { kind: 'none' as const };
      if (route.kind === 'local') return;
      if (forwarded) throw notOwner(shard, route.kind === 'remote' ? route.node.id : undefined);
      if (route.kind === 'remote' && member) {
        const answer = await sendWhileOwner(member, shard, route.node, req).catch(() => undefined);
        // Refused by a node that lost the shard, or the node is gone: ask again who owns it.
        if (answer && !(answer.status === 421 && answer.headers['x-taho-not-owner'] === '1')) {
          void reply.status(answer.status);
          for (const [name, value] of Object.entries(answer.headers)) {
            if (!HOP_BY_HOP.has(name) && value !== undefined) void reply.header(name, value);
          }
          return reply.send(answer.body);
        }
      }
      if (performance.now() >= deadline) {
        throw new TahoError('TAHO_NO_OWNER', `no node of the cluster serves shard ${shard} (agent ${agent}) yet`, {
          hint: 'A node holding it stopped; another takes it over within [cluster] lease_ms. Retry shortly (with the same Idempotency-Key).',
          retryAfterMs: 1000,
          details: { shard },
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      await member?.refresh();
    }
  });

  /**
   * A paused or partitioned owner holds a forwarded request as long as it likes: the request is
   * given up once the shard's owner changes (its lease expired, another node took over), and the
   * loop sends it to the new owner. That is safe: an invocation carries its idempotency key, and
   * the old owner is fenced from writing when it wakes.
   */
  async function sendWhileOwner(member: ClusterMember, shard: number, owner: NodeView, req: FastifyRequest): ReturnType<typeof send> {
    const moved = new AbortController();
    const watch = setInterval(() => {
      const now = member.route(shard);
      if (now.kind !== 'remote' || now.node.id !== owner.id) moved.abort();
    }, OWNER_CHECK_MS);
    try {
      return await send(owner.url, req, member.id, moved.signal);
    } finally {
      clearInterval(watch);
    }
  }

  async function send(base: string, req: FastifyRequest, self: string, signal: AbortSignal): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && typeof value === 'string') headers[name] = value;
    }
    headers[FORWARDED] = self;
    const body = req.body === undefined ? null : Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
    const res = await request(new URL(req.url, base), { method: req.method as 'GET', headers, body, dispatcher, headersTimeout: 0, bodyTimeout: 0, signal });
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
  }
}
