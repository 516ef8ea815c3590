import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Agent, request, type Dispatcher } from 'undici';
import { leaseNode } from '../../core/store/lease-keeper.js';
import { notOwner, type ClusterMember } from '../../core/cluster/member.js';
import { shardOf } from '../../core/cluster/shards.js';
import { TahoError } from '../../core/errors.js';
import type { Runtime } from '../../core/runtime.js';
import { TERMINAL_JOB_STATES } from '../../core/jobs/model.js';

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

/** How often a forwarded request checks that its target's owner is still the node it waits for (owners are re-read every beat). */
const OWNER_CHECK_MS = 50;

type Params = { component_id?: string; worker_name?: string };
/** What a request needs: the owner of an agent's shard, or the holder of the jobs' or the town's lease. */
type Target =
  | { readonly shard: number; readonly agent: string }
  | { readonly lease: 'jobs' | 'town' }
  | { readonly townAgent: string }
  /** An execution's logs: on the node that ran it (its files stay there). */
  | { readonly logs: { readonly job: string; readonly execution?: string | undefined; readonly namespace?: string | undefined; readonly follow: boolean } };

/** Town routes that reach an agent's round process or its log: they run on the agent's node. */
const TOWN_AGENT = new Set(['/v1/agents/:agent/kill', '/v1/agents/:agent/restart', '/v1/agents/:agent/logs']);
const LOGS = '/api/v1/orchestrator/jobs/:id/logs';

/**
 * Jobs run on the node holding their lease; every node answers their API by forwarding to it.
 * The nodes list, this node's own Bacalhau agent endpoints and /metrics are answered where they
 * are asked. The town is served by every node from the shared store; only what touches an
 * agent's round process goes to that agent's node (TOWN_AGENT).
 */
function leaseOf(url: string): 'jobs' | 'town' | undefined {
  if (url.startsWith('/api/v1/orchestrator/') && !url.startsWith('/api/v1/orchestrator/nodes')) return 'jobs';
  return undefined;
}

/**
 * Any node takes any request: one for an agent whose shard another node holds, or for jobs or
 * the town when another node holds their lease, is sent on to that node over a kept-alive
 * connection and its answer streamed back as it comes (server-sent events included). While
 * there is no owner (its node died and the lease has not expired yet) the request waits, up to
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

  const targetOf = (req: FastifyRequest): Target | undefined => {
    const url = req.routeOptions.url ?? '';
    if (url === LOGS && runtime.cluster()) {
      if (req.headers.upgrade !== undefined) return undefined;
      const q = req.query as Record<string, string | undefined>;
      return { logs: { job: (req.params as { id: string }).id, execution: q.execution_id, namespace: q.namespace, follow: q.follow === 'true' } };
    }
    const lease = leaseOf(url);
    if (lease) return req.headers.upgrade === undefined ? { lease } : undefined;
    if (TOWN_AGENT.has(url)) return { townAgent: (req.params as { agent?: string }).agent ?? '' };
    if (!ownerRoute(req.method, url)) return undefined;
    const { component_id: ref = '', worker_name: agent = '' } = req.params as Params;
    try {
      return { shard: shardOf(runtime.component(ref).id, agent), agent };
    } catch {
      return undefined; // the route answers an unknown component in its own words
    }
  };

  type Route = { kind: 'local' } | { kind: 'remote'; url: string; node: string } | { kind: 'none'; owner?: string | undefined };
  const routeOf = async (target: Target): Promise<Route> => {
    const member = runtime.cluster();
    if (!member) return { kind: 'none' };
    if ('shard' in target) {
      const r = member.route(target.shard);
      return r.kind === 'remote' ? { kind: 'remote', url: r.node.url, node: r.node.id } : r;
    }
    if ('townAgent' in target) {
      // An agent of a node that is gone (or of none) is answered here, from the store.
      const node = (await runtime.town().findAgent(target.townAgent))?.node;
      const n = member.nodes().find((x) => x.id === node && x.id !== member.id && x.alive && x.url !== '');
      return n ? { kind: 'remote', url: n.url, node: n.id } : { kind: 'local' };
    }
    if ('logs' in target) return logsRoute(member, target.logs);
    if (runtime.holds(target.lease)) return { kind: 'local' };
    const holder = leaseNode((await runtime.stores().leases.current(target.lease))?.holder);
    const node = member.nodes().find((n) => n.id === holder && n.alive && n.url !== '');
    return node && node.id !== member.id ? { kind: 'remote', url: node.url, node: node.id } : { kind: 'none', owner: holder };
  };

  /** The node that ran the execution serves its logs; before it has started, a follow waits for it. */
  const logsRoute = async (member: ClusterMember, q: Extract<Target, { logs: unknown }>['logs']): Promise<Route> => {
    const jobs = runtime.jobs();
    let e;
    try {
      e = await jobs.logExecution(q.job, q.execution, q.namespace);
    } catch {
      return { kind: 'local' }; // an unknown job or execution: the route says so in its own words
    }
    if (!e) return q.follow && !TERMINAL_JOB_STATES.has((await jobs.resolve(q.job, q.namespace)).State.StateType) ? { kind: 'none' } : { kind: 'local' };
    if (e.NodeID === member.id) return { kind: 'local' };
    const node = member.nodes().find((n) => n.id === e.NodeID && n.alive && n.url !== '');
    return node ? { kind: 'remote', url: node.url, node: node.id } : { kind: 'none', owner: e.NodeID };
  };

  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const target = targetOf(req);
    if (!target) return;
    const forwarded = typeof req.headers[FORWARDED] === 'string';
    if (INVOKE.has(req.routeOptions.url ?? '') && req.headers['idempotency-key'] === undefined) req.headers['idempotency-key'] = randomUUID();
    const deadline = performance.now() + runtime.config.cluster.forward_wait_ms;
    for (;;) {
      const route = await routeOf(target);
      // A town agent's request is never refused: its node answers, or this one from the store.
      if (route.kind === 'local' || (forwarded && 'townAgent' in target)) return;
      if (forwarded) throw refuse(target, route.kind === 'remote' ? route.node : route.owner);
      const member = runtime.cluster();
      if (route.kind === 'remote' && member) {
        const answer = await sendWhileOwner(member, target, route.node, route.url, req).catch(() => undefined);
        // Refused by a node that lost the shard or lease, or the node is gone: ask again who has it.
        if (answer && !(answer.statusCode === 421 && answer.headers['x-taho-not-owner'] === '1')) {
          void reply.status(answer.statusCode);
          for (const [name, value] of Object.entries(answer.headers)) {
            if (!HOP_BY_HOP.has(name) && value !== undefined) void reply.header(name, value);
          }
          // An event stream goes on as it comes; anything else is read whole, which costs less than piping.
          const streaming = String(answer.headers['content-type'] ?? '').startsWith('text/event-stream');
          return reply.send(streaming ? answer.body : Buffer.from(await answer.body.arrayBuffer()));
        }
        await answer?.body.dump();
      }
      if (performance.now() >= deadline) throw unserved(target);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await member?.refresh();
    }
  });

  /**
   * A paused or partitioned owner holds a forwarded request as long as it likes: the request is
   * given up once the target's owner changes (its lease expired, another node took over), and the
   * loop sends it to the new owner. That is safe: an invocation carries its idempotency key, and
   * the old owner is fenced from writing when it wakes.
   */
  async function sendWhileOwner(member: ClusterMember, target: Target, owner: string, url: string, req: FastifyRequest): Promise<Dispatcher.ResponseData> {
    const moved = new AbortController();
    const watch = setInterval(() => {
      void routeOf(target).then((now) => {
        if (now.kind !== 'remote' || now.node !== owner) moved.abort();
      }, () => undefined);
    }, OWNER_CHECK_MS);
    try {
      return await send(url, req, member.id, moved.signal);
    } finally {
      clearInterval(watch);
    }
  }

  async function send(base: string, req: FastifyRequest, self: string, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && typeof value === 'string') headers[name] = value;
    }
    headers[FORWARDED] = self;
    const body = req.body === undefined ? null : Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
    return request(new URL(req.url, base), { method: req.method as 'GET', headers, body, dispatcher, headersTimeout: 0, bodyTimeout: 0, signal });
  }
}

function refuse(target: Target, owner: string | undefined): TahoError {
  if ('shard' in target) return notOwner(target.shard, owner);
  if ('logs' in target) return new TahoError('TAHO_NOT_OWNER', `this node did not run the execution${owner ? ` (node ${owner} did)` : ''}`, { hint: 'Ask any node: it forwards to the one that holds the logs.' });
  return new TahoError('TAHO_NOT_OWNER', `this node does not run the ${'lease' in target ? target.lease : `agent ${target.townAgent}`}${owner ? ` (node ${owner} does)` : ''}`, {
    hint: 'Send the request to any node of the cluster: it forwards to the one that runs them.',
  });
}

function unserved(target: Target): TahoError {
  if ('logs' in target) {
    return new TahoError('TAHO_NO_OWNER', `the logs of job ${target.logs.job} are on a node that is not reachable now, or its execution has not started`, {
      hint: 'Logs stay on the node that ran the execution (`taho jobs executions <job>` names it); they are served again when that node is back. The output\'s first 64 KiB are in `taho jobs describe`.',
      retryAfterMs: 1000,
    });
  }
  if ('shard' in target) {
    return new TahoError('TAHO_NO_OWNER', `no node of the cluster serves shard ${target.shard} (agent ${target.agent}) yet`, {
      hint: 'A node holding it stopped; another takes it over within [cluster] lease_ms. Retry shortly (with the same Idempotency-Key).',
      retryAfterMs: 1000,
      details: { shard: target.shard },
    });
  }
  return new TahoError('TAHO_NO_OWNER', `no node of the cluster runs the ${'lease' in target ? target.lease : `agent ${target.townAgent}`} now`, {
    hint: 'The node that ran them stopped; another takes over within [cluster] lease_ms. Retry shortly.',
    retryAfterMs: 1000,
  });
}
