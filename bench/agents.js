// Durable agents: latency over real HTTP against the same call with durability off (the same
// component as a stateless service), concurrency across agents, replay speed and memory per
// idle agent. Servers run in their own process (bench/http-target.js).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../dist/core/config/load.js';
import { createRuntime } from '../dist/core/runtime.js';

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function server(dataDir) {
  const child = spawn(process.execPath, [new URL('./http-target.js', import.meta.url).pathname, 'inline', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
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

export async function agentsBench() {
  const dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-agents-'));
  const { child, url } = await server(dataDir);
  const rows = [];
  try {
    const components = await (await fetch(`${url}/v1/components`)).json();
    const cid = components.find((c) => c.componentName === 'example/counter').versionedComponentId.componentId;
    const durable = (agent, i) => fetch(`${url}/v1/components/${cid}/workers/${agent}/invoke-and-await?function=increment`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `${agent}-${i}` }, body: '{"params":[{"value":1}]}',
    }).then((r) => r.arrayBuffer());
    const ephemeral = () => fetch(`${url}/api/services/example/counter/invoke/increment`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1]',
    }).then((r) => r.arrayBuffer());
    await timed(300, (i) => durable('warm', i));
    await timed(300, ephemeral);
    // Interleaved rounds so both see the same machine.
    const d = [];
    const e = [];
    for (let round = 0; round < 4; round++) {
      d.push(...await timed(500, (i) => durable('seq', round * 1000 + i)));
      e.push(...await timed(500, ephemeral));
    }
    rows.push(['sequential invoke-and-await, one agent (HTTP)', `p50 ${pct(d, 0.5).toFixed(3)} ms, p99 ${pct(d, 0.99).toFixed(2)} ms`,
      `p50 ${pct(e, 0.5).toFixed(3)} ms (same call, durability off: TAHO service)`, '≤ 0.3 ms; Golem ≈ 1.5', (pct(d, 0.5) / pct(e, 0.5)).toFixed(2)]);
    const concurrent = [];
    await Promise.all(Array.from({ length: 100 }, async (_, a) => {
      concurrent.push(...await timed(20, (i) => durable(`many-${a}`, i)));
    }));
    rows.push(['100 agents concurrently, 20 calls each (HTTP)', `p50 ${pct(concurrent, 0.5).toFixed(2)} ms, p99 ${pct(concurrent, 0.99).toFixed(2)} ms`, '', '≤ 5 ms; Golem hot 9–17', '']);
  } finally {
    child.kill('SIGTERM');
  }

  // Replay: rebuild an agent of 10 000 entries, then memory per idle agent, in-process.
  const { config } = loadConfig({ cwd: process.cwd(), env: {}, flags: { data_dir: dataDir } });
  const runtime = createRuntime(config, { isolation: 'inline' });
  const agents = runtime.agents();
  const cid = runtime.registry.get('example', 'counter').id;
  const writes = [];
  for (let i = 0; i < 10_000; i++) writes.push(agents.invoke(cid, 'long', 'increment', [1]));
  await Promise.all(writes);
  const fresh = createRuntime(config, { isolation: 'inline' });
  const t0 = process.hrtime.bigint();
  await fresh.agents().agent(cid, 'long').load();
  const replayMs = ms(t0);
  rows.push(['rebuild an evicted agent by replaying 10 000 oplog entries', `${replayMs.toFixed(0)} ms`, '', '≤ 1 s (snapshots not built yet)', '']);
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const N = 1000;
  for (let i = 0; i < N; i++) await fresh.agents().invoke(cid, `idle-${i}`, 'get', []);
  globalThis.gc?.();
  const perAgent = (process.memoryUsage().rss - before) / N;
  rows.push(['idle agents in memory', `${(perAgent / 1024).toFixed(0)} KiB each`, '', '', `${Math.floor(2 ** 30 / perAgent)} per GiB`]);
  await fresh.close();
  await runtime.close();
  return rows;
}
