// Durable agents: latency over real HTTP against the same call with durability off (the same
// component as a stateless service), concurrency across agents, replay speed and memory per
// idle agent. Servers run in their own process (bench/http-target.js).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { loadConfig } from '../dist/core/config/load.js';
import { createRuntime } from '../dist/core/runtime.js';

// A keep-alive node:http client: fetch (undici) adds ≈ 0.2 ms of its own per request here,
// which would hide most of what the server does.
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
function postJson(url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function server(dataDir, mode) {
  const child = spawn(process.execPath, [new URL('./http-target.js', import.meta.url).pathname, mode, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  return { child, url: `http://127.0.0.1:${Number(String(line).trim())}` };
}

async function timed(n, fn) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    times.push(ms(t0));
  }
  return times;
}

/** Sequential and concurrent latency against one server process (isolation: `default` = worker threads, or `inline`). */
async function latency(dataDir, mode) {
  const { child, url } = await server(dataDir, mode);
  const rows = [];
  try {
    const components = await (await fetch(`${url}/v1/components`)).json();
    const cid = components.find((c) => c.componentName === 'example/counter').versionedComponentId.componentId;
    const durable = (name, i) => postJson(`${url}/v1/components/${cid}/workers/${name}/invoke-and-await?function=increment`,
      '{"params":[{"value":1}]}', { 'idempotency-key': `${name}-${i}` });
    const ephemeral = () => postJson(`${url}/api/services/example/counter/invoke/increment`, '[1]');
    await timed(300, (i) => durable('warm', i));
    await timed(300, ephemeral);
    // Interleaved rounds so both see the same machine.
    const d = [];
    const e = [];
    for (let round = 0; round < 4; round++) {
      d.push(...await timed(500, (i) => durable('seq', round * 1000 + i)));
      e.push(...await timed(500, ephemeral));
    }
    const label = mode === 'inline' ? 'isolation inline' : 'worker threads';
    rows.push([`sequential invoke-and-await, one agent (HTTP, keep-alive node:http client; ${label})`, `p50 ${pct(d, 0.5).toFixed(3)} ms, p99 ${pct(d, 0.99).toFixed(2)} ms`,
      `p50 ${pct(e, 0.5).toFixed(3)} ms (same call, durability off: TAHO service, ${label})`, '≤ 0.3 ms; Golem ≈ 1.5', (pct(d, 0.5) / pct(e, 0.5)).toFixed(2)]);
    // Hot agents (Golem's "hot" figure): each exists before the clock starts. The baseline is the
    // same 100 × 20 calls to the stateless service, so the client's and HTTP's own share shows.
    await Promise.all(Array.from({ length: 100 }, (_, a) => durable(`many-${a}`, 'create')));
    const concurrent = [];
    const stateless = [];
    const hundred = (fn) => Promise.all(Array.from({ length: 100 }, (_, a) => timed(20, (i) => fn(a, i))));
    for (let round = 0; round < 2; round++) {
      concurrent.push(...(await hundred((a, i) => durable(`many-${a}`, round * 100 + i))).flat());
      stateless.push(...(await hundred(() => ephemeral())).flat());
    }
    rows.push([`100 agents concurrently, 20 calls each, 2 rounds (HTTP; ${label})`, `p50 ${pct(concurrent, 0.5).toFixed(2)} ms, p99 ${pct(concurrent, 0.99).toFixed(2)} ms`,
      `p50 ${pct(stateless, 0.5).toFixed(2)} ms, p99 ${pct(stateless, 0.99).toFixed(2)} ms (same load, durability off)`, '≤ 5 ms; Golem hot 9–17', (pct(concurrent, 0.5) / pct(stateless, 0.5)).toFixed(2)]);
  } finally {
    child.kill('SIGTERM');
  }
  return rows;
}

export async function agentsBench() {
  const dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-agents-'));
  const rows = [...await latency(join(dataDir, 'default'), 'default'), ...await latency(join(dataDir, 'inline'), 'inline')];

  // Replay: rebuild an agent of 10 000 entries without snapshots, and from a snapshot plus its tail.
  const boot = (every) => createRuntime(loadConfig({ cwd: process.cwd(), env: {}, flags: { data_dir: dataDir, 'agents.snapshot_every': every } }).config, {});
  const runtime = boot(0);
  const snapRuntime = boot(100);
  const cid = runtime.registry.get('example', 'counter').id;
  const fill = async (rt, name, n) => {
    const writes = [];
    for (let i = 0; i < n; i++) writes.push(rt.agents().invoke(cid, name, 'increment', [1]));
    await Promise.all(writes);
  };
  await fill(runtime, 'long', 10_000);
  await fill(snapRuntime, 'snapped', 10_050);
  const rebuild = async (every, name) => {
    const rt = boot(every);
    await rt.agents().warm(); // a server warms its agent threads when it starts
    const t0 = process.hrtime.bigint();
    await rt.agents().agent(cid, name).load();
    const took = ms(t0);
    await rt.close();
    return took;
  };
  const replayMs = await rebuild(0, 'long');
  const snapMs = await rebuild(100, 'snapped');
  rows.push(['rebuild an evicted agent by replaying 10 000 oplog entries', `${replayMs.toFixed(0)} ms`, '', '≤ 1 s', '']);
  rows.push(['rebuild from its snapshot plus a 50-entry tail', `${snapMs.toFixed(1)} ms`, '', '≤ 20 ms; Golem cold 163–991', '']);
  await snapRuntime.close();
  const fresh = boot(100);
  // Memory per idle agent: RSS after a full GC, before and after 2 000 agents are loaded.
  const settle = () => { globalThis.gc?.(); globalThis.gc?.(); return process.memoryUsage().rss; };
  await fresh.agents().invoke(cid, 'idle-warm', 'get', []);
  const before = settle();
  const N = 2000;
  for (let i = 0; i < N; i++) await fresh.agents().invoke(cid, `idle-${i}`, 'get', []);
  const perAgent = Math.max(1, (settle() - before) / N);
  rows.push(['idle agents in memory (RSS after GC)', `${(perAgent / 1024).toFixed(1)} KiB each`, '', '', `≈ ${Math.floor(2 ** 30 / perAgent).toLocaleString('en')} per GiB`]);
  await fresh.close();
  await runtime.close();
  return rows;
}
