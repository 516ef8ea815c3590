// Jobs on a cluster in one run: wasm jobs/s with 1, 2 and 3 `taho serve --store redis://…`
// nodes (the same cluster growing, a node added between measures) against an embedded (SQLite)
// server as the baseline, submit → Completed p50 on three nodes and on the embedded server, and
// the time from kill -9 of a node running executions to all of them placed on other nodes
// (lease 1 s). Completion is heard on the event stream (/v1/events), not polled.
// Standalone: `npm run build && node bench/cluster-jobs.js`; `npm run bench` includes it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { http, kill, median, now, serve, spread, sseEvents, teardown, until } from './cluster.js';
import { startRedis } from './store.js';

const LEASE_MS = 1000;
const ORCH = '/api/v1/orchestrator';
const HELLO = `data:application/wasm;base64,${readFileSync(resolve(import.meta.dirname, '..', 'examples/jobs/wasm/hello-wasi.wasm')).toString('base64')}`;
const job = (args = []) => JSON.stringify({ Job: { Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'wasm', Params: { EntryModule: '/wasm/hello.wasm', Parameters: args } }, InputSources: [{ Target: '/wasm/hello.wasm', Source: { Type: 'inline', Params: { URL: HELLO } } }] }] } });

async function submit(url, args) {
  const r = await http('PUT', `${url}${ORCH}/jobs`, job(args));
  if (r.status !== 200) throw new Error(`submit answered ${r.status}: ${r.text}`);
  return JSON.parse(r.text).JobID;
}

/** Follows `url`'s job events: `finished(id)` resolves (with the time) when job `id` completes or fails. */
function follow(url) {
  const waiting = new Map();
  const seen = new Map();
  const req = sseEvents(url, '/v1/events?after=latest&kind=job', (e) => {
    const data = e.split('\n').find((l) => l.startsWith('data: '));
    if (!data) return;
    const { subject, type } = JSON.parse(data.slice(6));
    if (type !== 'Completed' && type !== 'Failed') return;
    const t = now();
    seen.set(subject, { t, type });
    waiting.get(subject)?.({ t, type });
  });
  return {
    ready: req.ready,
    finished: (id) => (seen.has(id) ? Promise.resolve(seen.get(id)) : new Promise((r) => waiting.set(id, r))),
    close: () => req.destroy(),
  };
}

/** Jobs per second: `n` jobs submitted `concurrency` at a time, until the last has completed. */
async function throughput(url, events, n, concurrency = 32) {
  const t0 = now();
  let next = 0;
  const ends = [];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next += 1;
      const id = await submit(url);
      ends.push(events.finished(id));
    }
  }));
  const done = await Promise.all(ends);
  const failed = done.filter((d) => d.type !== 'Completed').length;
  if (failed > 0) throw new Error(`${failed} of ${n} jobs failed`);
  return n / ((Math.max(...done.map((d) => d.t)) - t0) / 1000);
}

async function latencyP50(url, events, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const { t } = await events.finished(await submit(url));
    times.push(t - t0);
  }
  return median(times);
}

/**
 * kill -9 of `victim` while it runs spinning executions; ms until each of them has a successor on
 * a live node. Fewer jobs than the other nodes' slots: the clock measures noticing the death and
 * placing again, not waiting for a free slot.
 */
async function replaced(orchestrator, victim, jobs = 4) {
  const executions = async (id) => JSON.parse((await http('GET', `${orchestrator.url}${ORCH}/jobs/${id}/executions`)).text).Items;
  // None may land on the victim (the orchestrator has not seen it join yet, or others were less loaded): then another batch.
  let onVictim = [];
  while (onVictim.length === 0) {
    const ids = await Promise.all(Array.from({ length: jobs }, () => submit(orchestrator.url, ['spin'])));
    onVictim = await until(async () => {
      const hit = [];
      let open = 0;
      for (const id of ids) {
        const all = await executions(id);
        if (all.some((e) => e.NodeID === victim.id && e.ComputeState.StateType === 6)) hit.push(id);
        if (!all.some((e) => e.ComputeState.StateType === 9)) open += 1;
      }
      return hit.length > 0 || open === 0 ? hit : undefined;
    });
  }
  await kill(victim, 'SIGKILL');
  const t0 = now();
  await until(async () => {
    // An execution that completed just before the kill needs no successor.
    for (const id of onVictim) if (!(await executions(id)).some((e) => e.NodeID !== victim.id || e.ComputeState.StateType === 9)) return false;
    return true;
  });
  return now() - t0;
}

export async function clusterJobsBench({ jobs = 200, rounds = 3, latencyJobs = 50 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'taho-bench-cluster-jobs-'));
  const redis = await startRedis(dir);
  const nodes = [];
  const followers = [];
  try {
    const embedded = await serve(join(dir, 'embedded'));
    const a = await serve(join(dir, 'a'), redis.url); // the first: it holds the jobs' lease
    nodes.push(embedded, a);
    const onEmbedded = follow(embedded.url);
    const onCluster = follow(a.url);
    followers.push(onEmbedded, onCluster);
    // Jobs submitted before a follower's stream is open would end unheard.
    await Promise.all(followers.map((f) => f.ready));
    await throughput(embedded.url, onEmbedded, 50);
    await throughput(a.url, onCluster, 50);
    const rate = { embedded: [], 1: [], 2: [], 3: [] };
    for (const size of [1, 2, 3]) {
      if (size > 1) {
        const n = await serve(join(dir, `n${size}`), redis.url);
        nodes.push(n);
        await until(async () => JSON.parse((await http('GET', `${a.url}${ORCH}/nodes`)).text).Nodes?.length >= size || undefined);
      }
      for (let r = 0; r < rounds; r++) {
        rate[size].push(await throughput(a.url, onCluster, jobs));
        if (size === 1) rate.embedded.push(await throughput(embedded.url, onEmbedded, jobs));
      }
    }
    const latency = { cluster: [], embedded: [] };
    for (let r = 0; r < rounds; r++) {
      latency.cluster.push(await latencyP50(a.url, onCluster, latencyJobs));
      latency.embedded.push(await latencyP50(embedded.url, onEmbedded, latencyJobs));
    }
    const death = [];
    for (let r = 0; r < rounds; r++) {
      const victim = nodes.at(-1);
      death.push(await replaced(a, victim));
      // The same node again (its data directory keeps its id), for the next round.
      nodes.push(await serve(victim.dataDir, redis.url));
    }

    const fmt = (xs) => spread(xs, 'jobs/s', 0);
    const ratio = (x, y) => (median(x) / median(y)).toFixed(2);
    return [
      [`cluster jobs: wasm jobs/s on 1 node (Redis store; ${rounds} rounds of ${jobs}, 32 submitting at once)`, fmt(rate[1]), `${fmt(rate.embedded)} (embedded SQLite server)`, '≥ 200/s total', ratio(rate[1], rate.embedded)],
      ['cluster jobs: wasm jobs/s on 2 nodes', fmt(rate[2]), `${fmt(rate[1])} (1 node)`, 'scaling', ratio(rate[2], rate[1])],
      ['cluster jobs: wasm jobs/s on 3 nodes', fmt(rate[3]), `${fmt(rate[1])} (1 node)`, '≥ 200/s; scaling', ratio(rate[3], rate[1])],
      [`cluster jobs: submit → Completed p50 on 3 nodes (${latencyJobs} one after another)`, `p50 ${spread(latency.cluster)}`, `p50 ${spread(latency.embedded)} (embedded)`, '≤ 20 ms', ratio(latency.cluster, latency.embedded)],
      [`cluster jobs: kill -9 of a node running executions → each placed on another node (lease ${LEASE_MS} ms, ${rounds} kills)`, spread(death, 'ms', 0), `lease ${LEASE_MS} ms`, '≤ lease + 1 s; Bacalhau 75 s', ratio(death, [LEASE_MS])],
    ];
  } finally {
    for (const f of followers) f.close();
    await teardown(nodes, redis, dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await clusterJobsBench();
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
}
