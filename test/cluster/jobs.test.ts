import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { startRedis, type RedisServer } from '../redis-server.js';
import { until } from '../until.js';
import { startNode, startNodes, type ClusterNode } from './nodes.js';

let redis: RedisServer | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const HELLO = `data:application/wasm;base64,${readFileSync(join(ROOT, 'examples/jobs/wasm/hello-wasi.wasm')).toString('base64')}`;
const ORCH = '/api/v1/orchestrator';

/** hello-wasi inline (every node can stage it); `spin` keeps it busy a second or two. */
function wasmJob(args: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'batch', ...extra,
    Tasks: [{ Name: 'main', Engine: { Type: 'wasm', Params: { EntryModule: '/wasm/hello.wasm', Parameters: args } }, InputSources: [{ Target: '/wasm/hello.wasm', Source: { Type: 'inline', Params: { URL: HELLO } } }], Publisher: { Type: 'local' } }],
  };
}

interface Execution { ID: string; NodeID: string; ComputeState: { StateType: number; Message?: string } }
const COMPLETED = 9;
const RUNNING = 6;

async function get<T>(url: string): Promise<T> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Submits through `url`, retrying a node fault with the same idempotency key: answers the job id once acknowledged. */
async function submit(urls: () => string[], job: unknown, key: string): Promise<string> {
  for (let i = 0; ; i++) {
    const list = urls();
    try {
      const r = await fetch(`${list[i % list.length]}${ORCH}/jobs`, { method: 'PUT', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ Job: job }) });
      if (r.ok) return ((await r.json()) as { JobID: string }).JobID;
      if (![409, 421, 502, 503, 504].includes(r.status)) throw new Error(`submit: ${r.status} ${await r.text()}`);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('submit:')) throw err;
    }
  }
}

const state = async (url: string, id: string): Promise<string> => (await get<{ Job: { State: { StateType: string; Message?: string } } }>(`${url}${ORCH}/jobs/${id}`)).Job.State.StateType;
const executions = async (url: string, id: string): Promise<Execution[]> => (await get<{ Items: Execution[] }>(`${url}${ORCH}/jobs/${id}/executions`)).Items;

/** Waits until every job is finished; answers their states. */
async function finished(url: string, ids: readonly string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  await until('every job finished', async () => {
    for (const id of ids) {
      if (['Completed', 'Failed', 'Stopped'].includes(states.get(id) ?? '')) continue;
      states.set(id, await state(url, id).catch(() => 'unknown'));
    }
    return [...states.values()].every((s) => ['Completed', 'Failed', 'Stopped'].includes(s)) ? true : undefined;
  });
  return states;
}

/**
 * Three nodes, the first one started holding the `jobs` lease (the orchestrator). Only the tests
 * that kill a node need the short lease that notices it soon; the others take a long one, so a
 * node whose heartbeat is late on a loaded machine is not taken for lost (its executions placed
 * again, a Count 3 job with four).
 */
async function cluster(db: number, env: Record<string, string> = {}, leaseMs = 10_000): Promise<ClusterNode[]> {
  const store = (redis as RedisServer).url(db);
  const first = await startNode(store, { env, leaseMs });
  const rest = await startNodes(2, store, { env, leaseMs });
  await Promise.all(rest.map((n) => n.waitFor(/jobs: run by another node/)));
  // The orchestrator learns of nodes from their heartbeats: a job placed before it has would see fewer.
  await until('the orchestrator to see the three nodes', async () => (await get<{ Nodes: unknown[] }>(`${first.url}${ORCH}/nodes`)).Nodes.length === 3);
  return [first, ...rest];
}

describe('jobs on a cluster of three nodes', () => {
  it('spreads executions over every node, and a job of Count 3 over several', async () => {
    const nodes = await cluster(0);
    const [a] = nodes as [ClusterNode];
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => submit(() => nodes.map((n) => n.url), wasmJob(['spin']), `spread-${i}`)));
    const spread = await submit(() => [a.url], wasmJob(['spin'], { Count: 3 }), 'spread-count');
    const states = await finished(a.url, [...ids, spread]);
    expect([...states.values()].every((s) => s === 'Completed')).toBe(true);
    const ran = new Set<string>();
    for (const id of ids) for (const e of await executions(a.url, id)) ran.add(e.NodeID);
    expect(ran).toEqual(new Set(nodes.map((n) => n.id)));
    const batch = await executions(a.url, spread);
    expect(batch.filter((e) => e.ComputeState.StateType === COMPLETED)).toHaveLength(3);
    expect(new Set(batch.map((e) => e.NodeID)).size).toBeGreaterThan(1);
    // Results and logs stay where each execution ran: any node says where, and serves the logs.
    const c = nodes[2] as ClusterNode;
    const described = await get<{ Locations: { ExecutionID: string; NodeID: string; Reachable: boolean }[] }>(`${c.url}${ORCH}/jobs/${spread}`);
    expect(described.Locations.map((l) => [l.ExecutionID, l.NodeID, l.Reachable]).sort()).toEqual(batch.map((e) => [e.ID, e.NodeID, true]).sort());
    const results = await get<{ Items: { Params: { NodeID: string; URL: string } }[] }>(`${c.url}${ORCH}/jobs/${spread}/results`);
    expect(results.Items.map((r) => r.Params.NodeID).sort()).toEqual(batch.map((e) => e.NodeID).sort());
    for (const e of batch) {
      const elsewhere = nodes.find((n) => n.id !== e.NodeID) as ClusterNode;
      const r = await fetch(`${elsewhere.url}${ORCH}/jobs/${spread}/logs?execution_id=${e.ID}`, { headers: { accept: 'text/event-stream' } });
      // Only the node that ran it has the files: the answer is its output.
      expect(await r.text()).toMatch(/event: log[\s\S]*hello/i);
    }
    for (const n of nodes) n.signal('SIGKILL');
  });

  it('kill -9 of a node running jobs: none stays Running, each ends Completed elsewhere or Failed with a reason, none completes twice', async () => {
    const nodes = await cluster(1, {}, 1000);
    const [a, , victim] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => submit(() => [a.url], wasmJob(['spin']), `kill-${i}`)));
    // The victim is running some of them.
    await until('the victim running some of them', async () => {
      for (const id of ids) if ((await executions(a.url, id)).some((e) => e.NodeID === victim.id && e.ComputeState.StateType === RUNNING)) return true;
      return undefined;
    });
    victim.signal('SIGKILL');
    const states = await finished(a.url, ids);
    let lost = 0;
    for (const id of ids) {
      const all = await executions(a.url, id);
      expect(all.filter((e) => e.ComputeState.StateType === RUNNING)).toEqual([]);
      const s = states.get(id);
      if (s === 'Completed') expect(all.filter((e) => e.ComputeState.StateType === COMPLETED)).toHaveLength(1);
      else expect(s).toBe('Failed');
      const onVictim = all.filter((e) => e.NodeID === victim.id && e.ComputeState.StateType !== COMPLETED);
      for (const e of onVictim) expect(e.ComputeState.Message).toMatch(/was lost/);
      lost += onVictim.length;
    }
    expect(lost).toBeGreaterThan(0);
    // A lost one was placed again: its history says so.
    const history = await Promise.all(ids.map((id) => get<{ Items: { Event: { Message: string } }[] }>(`${a.url}${ORCH}/jobs/${id}/history`)));
    expect(history.flatMap((h) => h.Items.map((i) => i.Event.Message)).some((m) => /re-queued: node .* was lost/.test(m))).toBe(true);
    for (const n of nodes) n.signal('SIGKILL');
  });

  it('kill -9 of the orchestrator\'s node mid-burst: every acknowledged submission is placed and finishes', async () => {
    const nodes = await cluster(2, {}, 1000);
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    let dead = false;
    const live = () => (dead ? [b.url, c.url] : [b.url, c.url, a.url]);
    const acked: string[] = [];
    const burst = Promise.all(Array.from({ length: 40 }, async (_, i) => {
      acked.push(await submit(live, wasmJob([]), `burst-${i}`));
    }));
    await until('10 submissions acknowledged', async () => acked.length >= 10);
    a.signal('SIGKILL');
    dead = true;
    await burst;
    await Promise.race([b.waitFor(/this node runs the jobs now/), c.waitFor(/this node runs the jobs now/)]);
    const states = await finished(b.url, acked);
    expect(new Set(acked).size).toBe(40);
    // Those that ran on the dead node may have failed with that reason; none is left unfinished.
    for (const [id, s] of states) {
      if (s !== 'Completed') expect({ id, s, e: (await executions(b.url, id)).map((e) => e.ComputeState.Message) }).toMatchObject({ s: 'Failed' });
    }
    expect([...states.values()].filter((s) => s === 'Completed').length).toBeGreaterThanOrEqual(30);
    for (const n of nodes) n.signal('SIGKILL');
  });

  it('jobs stop reaches executions on every node: their slots are free again', async () => {
    const nodes = await cluster(4, { TAHO__JOBS__SLOTS: '1' });
    const [a, , c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const looping = await submit(() => [a.url], wasmJob(['loop'], { Count: 3 }), 'loop');
    await until('three executions of the looping job running', async () => (await executions(a.url, looping)).filter((e) => e.ComputeState.StateType === RUNNING).length === 3);
    expect(new Set((await executions(a.url, looping)).map((e) => e.NodeID))).toEqual(new Set(nodes.map((n) => n.id)));
    // Any node's nodes list shows what each node runs (sent with its heartbeats).
    await until('each node listed running one', async () => {
      const listed = await get<{ Nodes: { Info: { NodeID: string; ComputeNodeInfo: { RunningExecutions: number } } }[] }>(`${c.url}${ORCH}/nodes`);
      const running = new Map(listed.Nodes.map((n) => [n.Info.NodeID, n.Info.ComputeNodeInfo.RunningExecutions]));
      return nodes.every((n) => running.get(n.id) === 1) ? true : undefined;
    });
    expect((await fetch(`${c.url}${ORCH}/jobs/${looping}`, { method: 'DELETE' })).status).toBe(200);
    expect(await state(a.url, looping)).toBe('Stopped');
    // Every slot was taken by the loops: three more jobs run only if each node stopped its loop and said so.
    const next = await Promise.all([0, 1, 2].map((i) => submit(() => [a.url], wasmJob([]), `after-stop-${i}`)));
    expect([...(await finished(a.url, next)).values()]).toEqual(['Completed', 'Completed', 'Completed']);
    for (const n of nodes) n.signal('SIGKILL');
  });

  it('a job no node can run waits Queued, explain says why, and it runs when a node with the label joins', async () => {
    const nodes = await cluster(3);
    const [a] = nodes as [ClusterNode];
    const id = await submit(() => [a.url], wasmJob([], { Constraints: [{ Key: 'gpu', Operator: '=', Values: ['true'] }] }), 'gpu');
    await until('the job to wait Queued', async () => (await state(a.url, id)) === 'Queued');
    const explain = await get<{ Summary: string }>(`${a.url}${ORCH}/jobs/${id}/explain`);
    expect(explain.Summary).toMatch(/no node has label gpu=true; 3 nodes seen/);
    const gpu = await startNode((redis as RedisServer).url(3), { env: { TAHO__JOBS__LABELS__GPU: 'true' }, leaseMs: 10_000 });
    expect((await finished(a.url, [id])).get(id)).toBe('Completed');
    expect((await executions(a.url, id)).map((e) => e.NodeID)).toEqual([gpu.id]);
    for (const n of [...nodes, gpu]) n.signal('SIGKILL');
  });
});
