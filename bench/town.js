// The town (Tinytown's townhall API): what taho adds around a task and around an agent's round.
//   1. POST /v1/tasks/assign → 201 (the task is in the agent's inbox) against a raw node:http
//      server answering the same JSON body, interleaved in the same run.
//   2. 1 000 tasks through the backlog to 4 script agents (examples/town/script-agent.mjs) until
//      completed, against the same 1 000 processes spawned directly, 4 at a time.
//   3. Dispatcher overhead per task: the time an agent slot spends not running its round's
//      process, (agents × wall − Σ round time) / tasks, and a round's time against a bare process.
// Servers run in their own process (this file with --serve), so the client does not share their
// event loop. `node bench/town.js` prints the rows; bench/run.js may import townBench().
import { onSseData } from './sse.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const SCRIPT = join(ROOT, 'examples', 'town', 'script-agent.mjs');
const AGENTS = 4;
const TASKS = Number(process.env.BENCH_TOWN_TASKS ?? 1000);
// Bare processes for the baseline: a sample is enough for a rate and a mean, and keeps the run short.
const BASELINE = Math.min(TASKS, Number(process.env.BENCH_TOWN_BASELINE ?? 200));
const LATENCY_ROUNDS = 4;
const LATENCY_PER_ROUND = 250;

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const log = (m) => process.stderr.write(`town bench: ${m}\n`);
const sleep = (n) => new Promise((r) => setTimeout(r, n));

// ---- the server side (child process) ----

async function serveTaho(dataDir) {
  const { loadConfig } = await import('../dist/core/config/load.js');
  const { createRuntime } = await import('../dist/core/runtime.js');
  const { buildApp } = await import('../dist/server/app.js');
  const { config } = loadConfig({
    cwd: dataDir, env: {},
    flags: {
      data_dir: dataDir, examples: false, 'http.port': 0,
      'town.presets': { script: { command: `${process.execPath} ${SCRIPT}` } }, 'town.heartbeat_ms': 1000,
    },
  });
  const runtime = createRuntime(config, { isolation: 'inline' });
  const app = await buildApp({ runtime, version: 'bench', configView: () => ({ file: null, entries: [] }) });
  await runtime.startTown();
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${app.server.address().port}\n`);
  process.on('SIGTERM', async () => {
    await app.close();
    await runtime.close(); // ends running rounds (their process groups) before we go
    process.exit(0);
  });
}

/** The same JSON work as the assign route's happy path: parse the body, answer 201 with ids. */
async function serveRaw() {
  const agentId = randomUUID();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const { agent } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const body = JSON.stringify({ task_id: randomUUID(), agent_id: agentId, agent_name: agent });
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(`${server.address().port}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

// ---- the client side ----

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function call(base, method, path, body) {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolvePromise, reject) => {
    const req = request(`${base}${path}`, {
      method, agent,
      headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolvePromise({ status: res.statusCode, body: json, text });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function ok(base, method, path, body, status = 200) {
  const r = await call(base, method, path, body);
  if (r.status !== status) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r.body;
}

async function server(mode, dataDir) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', mode, dataDir ?? ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  return { child, url: `http://127.0.0.1:${Number(String(line).trim())}` };
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

async function until(what, fn, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Counts `task completed|failed` events of the given tasks on /v1/events; resolves when all are in. */
function watchFinished(base, ids) {
  const want = new Set(ids);
  let failed = 0;
  let last = 0;
  let req;
  const done = new Promise((resolvePromise, reject) => {
    req = request(`${base}/v1/events?kind=town&after=latest`, { agent: false }, (res) => {
      onSseData(res, (e) => {
        // The one event stream: town events are kind "town", type "task.completed" and so on.
        if (e.kind !== 'town' || (e.type !== 'task.completed' && e.type !== 'task.failed') || !want.delete(e.data.task_id)) return;
        if (e.type === 'task.failed') failed++;
        last = process.hrtime.bigint();
        if (want.size === 0) {
          req.destroy();
          resolvePromise({ last, failed });
        }
      });
      res.on('error', () => {});
    });
    req.on('error', (err) => (want.size === 0 ? undefined : reject(err)));
    req.end();
  });
  return done;
}

/** Sequential POST /v1/tasks/assign against taho and the raw server, interleaved. */
async function assignLatency(taho, raw) {
  await ok(taho, 'POST', '/v1/agents', { name: 'sink', cli: 'script' }, 201);
  // A hanging round keeps `sink` Working: assigned tasks wait in its inbox and start nothing.
  await ok(taho, 'POST', '/v1/tasks/assign', { agent: 'sink', task: 'hang' }, 201);
  await until('sink to work', async () => (await ok(taho, 'GET', '/v1/agents')).agents.find((a) => a.name === 'sink')?.state === 'Working');
  const body = (i) => ({ agent: 'sink', task: `latency task ${i}` });
  const timed = async (base, n, offset) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      const r = await call(base, 'POST', '/v1/tasks/assign', body(offset + i));
      out.push(ms(t0));
      if (r.status !== 201) throw new Error(`assign: ${r.status} ${r.text}`);
    }
    return out;
  };
  await timed(taho, 200, -200);
  await timed(raw, 200, -200);
  const t = [];
  const b = [];
  const perRound = [];
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const ours = await timed(taho, LATENCY_PER_ROUND, round * LATENCY_PER_ROUND);
    perRound.push(pct(ours, 0.5));
    t.push(...ours);
    b.push(...await timed(raw, LATENCY_PER_ROUND, round * LATENCY_PER_ROUND));
  }
  // Clean up: the sink's round ends, its ~1 200 queued tasks are cancelled as orphans.
  await ok(taho, 'POST', '/v1/agents/sink/kill');
  await ok(taho, 'POST', '/v1/reclaim/orphan-tasks', { action: 'cancel' });
  return { t, b, inbox: LATENCY_ROUNDS * LATENCY_PER_ROUND + 200, perRound };
}

/** 1 000 tasks: backlog → claims round-robin → 4 script agents → completed. */
async function throughput(taho, dataDir) {
  const names = Array.from({ length: AGENTS }, (_, i) => `worker-${i}`);
  for (const name of names) await ok(taho, 'POST', '/v1/agents', { name, cli: 'script' }, 201);
  const ids = [];
  const addTimes = [];
  for (let i = 0; i < TASKS; i++) {
    const t0 = process.hrtime.bigint();
    ids.push((await ok(taho, 'POST', '/v1/backlog', { description: `bench task ${i}` }, 201)).task_id);
    addTimes.push(ms(t0));
  }
  log('claiming');
  const finished = watchFinished(taho, ids);
  await sleep(200); // the stream is replaying; let it settle before the clock starts
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ids.length; i++) await ok(taho, 'POST', `/v1/backlog/${ids[i]}/claim`, { agent: names[i % AGENTS] });
  const claimedMs = ms(t0);
  const { last, failed } = await finished;
  const wallMs = Number(last - t0) / 1e6;
  // Round times as the town recorded them (start of the round → its outcome recorded).
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(dataDir, 'town.db'), { readOnly: true });
  const want = new Set(ids);
  const rounds = db.prepare('SELECT body FROM rounds').all().map((r) => JSON.parse(r.body)).filter((r) => want.has(r.task_id));
  db.close();
  const roundMs = rounds.map((r) => Date.parse(r.ended_at) - Date.parse(r.started_at));
  return { wallMs, claimedMs, failed, rounds: rounds.length, roundSum: roundMs.reduce((a, b) => a + b, 0), roundMs, addTimes };
}

/** The same processes with nothing around them: spawn, task on stdin, wait for exit; 4 at a time. */
async function rawProcesses(n) {
  const times = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const s = process.hrtime.bigint();
      const child = spawn(process.execPath, [SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'] });
      child.stdin.end(`bench task ${i}`);
      await once(child, 'exit');
      times.push(ms(s));
    }
  };
  await Promise.all(Array.from({ length: AGENTS }, worker));
  return { wallMs: ms(t0), times };
}

export async function townBench() {
  const dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-town-'));
  const taho = await server('taho', dataDir);
  const raw = await server('raw');
  const rows = [];
  try {
    log('assign latency');
    const lat = await assignLatency(taho.url, raw.url);
    const [t50, t99, b50, b99] = [pct(lat.t, 0.5), pct(lat.t, 0.99), pct(lat.b, 0.5), pct(lat.b, 0.99)];
    rows.push([`POST /v1/tasks/assign → 201, task in the inbox (sequential, keep-alive node:http; inbox grows to ${lat.inbox})`,
      `p50 ${t50.toFixed(3)} ms, p99 ${t99.toFixed(2)} ms`, `p50 ${b50.toFixed(3)} ms, p99 ${b99.toFixed(2)} ms (raw node:http, same JSON body)`,
      `+${(t50 - b50).toFixed(3)} ms p50 (p50 per round of ${LATENCY_PER_ROUND}: ${lat.perRound.map((x) => x.toFixed(3)).join(', ')} ms)`, (t50 / b50).toFixed(2)]);
    await stop(raw.child);

    log(`${TASKS} tasks through ${AGENTS} agents`);
    const tp = await throughput(taho.url, dataDir);
    await stop(taho.child);
    log(`${BASELINE} bare processes`);
    const base = await rawProcesses(BASELINE);
    const tps = TASKS / (tp.wallMs / 1000);
    const rawTps = BASELINE / (base.wallMs / 1000);
    rows.push([`${TASKS} tasks: backlog → claim (round-robin) → ${AGENTS} script agents → completed`,
      `${tps.toFixed(1)} tasks/s (${(tp.wallMs / 1000).toFixed(1)} s; claims took ${(tp.claimedMs / 1000).toFixed(2)} s; ${tp.failed} failed)`,
      `${rawTps.toFixed(1)} tasks/s (${BASELINE} of the same script-agent processes spawned directly, ${AGENTS} at a time)`,
      `POST /v1/backlog p50 ${pct(tp.addTimes, 0.5).toFixed(3)} ms`, (tps / rawTps).toFixed(2)]);
    const overhead = (AGENTS * tp.wallMs - tp.roundSum) / TASKS;
    const meanRound = tp.roundSum / Math.max(1, tp.rounds);
    const meanRaw = base.times.reduce((a, b) => a + b, 0) / base.times.length;
    rows.push([`dispatcher overhead per task: (${AGENTS} × wall − Σ round time) / tasks (${tp.rounds} rounds)`,
      `${overhead.toFixed(2)} ms between rounds per task; a round ${meanRound.toFixed(1)} ms mean, p99 ${pct(tp.roundMs, 0.99)} ms`,
      `${meanRaw.toFixed(1)} ms mean, p99 ${pct(base.times, 0.99).toFixed(1)} ms (bare process)`,
      `+${(meanRound - meanRaw).toFixed(1)} ms per round (spawn via execa, log files, 2 transactions)`, (meanRound / meanRaw).toFixed(2)]);
  } finally {
    await stop(taho.child);
    await stop(raw.child);
    rmSync(dataDir, { recursive: true, force: true });
    agent.destroy();
  }
  return rows;
}

if (process.argv[2] === '--serve') {
  if (process.argv[3] === 'raw') await serveRaw();
  else await serveTaho(process.argv[4]);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const rows = await townBench();
  const header = ['measure', 'taho', 'baseline (same run)', 'difference', 'ratio'];
  process.stdout.write(`${[header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\n(${((Date.now() - t0) / 1000).toFixed(0)} s, Node ${process.version})\n`);
}
