// A/B against an earlier commit, both built and measured in this run, interleaved (medians):
// the embedded paths #13 must not slow down — HTTP invoke, durable invoke-and-await (sequential
// and 100 agents), town assign, jobs/s. The baseline tree is a git worktree of <commit> in a
// temporary directory, built there with this tree's node_modules (same lock file).
// Usage: npm run build && node bench/compare.js [commit=main]
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onSseData } from './sse.js';

const ROOT = resolve(import.meta.dirname, '..');
const BASE = process.argv[2] ?? 'main';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const log = (m) => process.stderr.write(`compare: ${m}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

function baselineTree() {
  const dir = mkdtempSync(join(tmpdir(), 'taho-baseline-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, BASE], { cwd: ROOT, stdio: 'pipe' });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  log(`building ${BASE} in ${dir}`);
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, stdio: 'inherit' });
  return dir;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
function call(url, method, body, headers = {}) {
  return new Promise((resolveCall, reject) => {
    const req = request(url, { method, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode >= 300 ? reject(new Error(`${method} ${url}: ${res.statusCode} ${Buffer.concat(chunks)}`)) : resolveCall(JSON.parse(Buffer.concat(chunks).toString() || 'null'))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A directory holding a stand-in `claude`: spawning an agent is refused when its CLI is not
 * installed, and the bench agent never runs a round (no dispatcher), so any executable will do.
 */
function fakeCliDir() {
  const dir = mkdtempSync(join(tmpdir(), 'taho-compare-bin-'));
  writeFileSync(join(dir, 'claude'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'claude'), 0o755);
  return dir;
}

async function server(tree, name) {
  const dataDir = mkdtempSync(join(tmpdir(), `taho-compare-${name}-`));
  const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}` };
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'compare-target.js'), tree, dataDir], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const [line] = await once(child.stdout, 'data');
  const url = `http://127.0.0.1:${Number(String(line).trim())}`;
  servers.push({ name, tree, url, dataDir, child, calls: 0 });
  const components = await (await fetch(`${url}/v1/components`)).json();
  const cid = components.find((c) => c.componentName === 'example/counter').versionedComponentId.componentId;
  await call(`${url}/v1/agents`, 'POST', JSON.stringify({ name: 'bench', cli: 'claude' }));
  const s = servers.at(-1);
  s.cid = cid;
  return s;
}

/** Requests/s of the stateless invoke route, 50 connections (autocannon in its own process). */
function httpInvoke(s) {
  const script = `require(${JSON.stringify(join(ROOT, 'node_modules', 'autocannon'))})({ url: '${s.url}/api/services/example/hello/invoke/greet', method: 'POST',
    headers: { 'content-type': 'application/json' }, body: '"World"', connections: 50, duration: 3 }, (e, r) => process.stdout.write(JSON.stringify(e ? { error: String(e) } : { rps: r.requests.average, total: r.requests.total, bad: r.non2xx + r.errors })));`;
  const r = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  if (r.error || r.bad > 0) throw new Error(`invoke load: ${JSON.stringify(r)}`);
  return { value: r.rps, ops: r.total };
}

const durable = (s, worker, key) => call(`${s.url}/v1/components/${s.cid}/workers/${worker}/invoke-and-await?function=increment`, 'POST', '{"params":[{"value":1}]}', { 'idempotency-key': key });

/** p50 ms of sequential invoke-and-await calls to one agent. */
async function durableSequential(s) {
  const times = [];
  for (let i = 0; i < 400; i++) {
    const t0 = process.hrtime.bigint();
    await durable(s, 'seq', `k${s.calls++}`);
    times.push(ms(t0));
  }
  return { value: pct(times, 0.5), ops: times.length };
}

/** Calls/s of 100 agents called concurrently, 10 calls each. */
async function durableHundred(s) {
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 100 }, async (_, a) => {
    for (let i = 0; i < 10; i++) await durable(s, `many-${a}`, `k${s.calls++}`);
  }));
  return { value: 1000 / (ms(t0) / 1000), ops: 1000 };
}

/** p50 ms of POST /v1/tasks/assign (the dispatcher does not run here: only the write is timed). */
async function townAssign(s) {
  const times = [];
  for (let i = 0; i < 300; i++) {
    const t0 = process.hrtime.bigint();
    await call(`${s.url}/v1/tasks/assign`, 'POST', JSON.stringify({ agent: 'bench', task: `task ${i}` }));
    times.push(ms(t0));
  }
  return { value: pct(times, 0.5), ops: times.length };
}

/** Jobs/s: 200 trivial wasm jobs submitted over HTTP, until the event stream says each ended. */
async function jobsPerSecond(s) {
  // The tree's own examples directory: the one its server allows local inputs from.
  const HELLO = join(s.tree, 'examples', 'jobs', 'wasm', 'hello-wasi.wasm');
  const job = JSON.stringify({ Job: { Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'wasm', Params: { EntryModule: '/wasm/hello.wasm', Parameters: ['bench'] } }, InputSources: [{ Target: '/wasm/hello.wasm', Source: { Type: 'local', Params: { SourcePath: HELLO } } }] }] } });
  const n = 200;
  const pending = new Set();
  // An end can be heard before the submission's answer (two sockets): counted either way.
  const endedEarly = new Set();
  let allEnded;
  const ended = new Promise((r) => { allEnded = r; });
  let submitted = 0;
  const stream = await new Promise((resolveRes, reject) => {
    const req = request(`${s.url}/v1/events?after=latest&kind=job`, (res) => resolveRes({ req, res }));
    req.on('error', reject);
    req.end();
  });
  onSseData(stream.res, (e) => {
    if (e.type !== 'Completed' && e.type !== 'Failed') return;
    if (!pending.delete(e.subject)) endedEarly.add(e.subject);
    else if (pending.size === 0 && submitted === n) allEnded();
  });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = await call(`${s.url}/api/v1/orchestrator/jobs`, 'PUT', job);
    if (!endedEarly.delete(r.JobID)) pending.add(r.JobID);
    submitted += 1;
  }
  if (pending.size === 0) allEnded();
  await ended;
  const rate = n / (ms(t0) / 1000);
  stream.req.destroy();
  return { value: rate, ops: n };
}

const MEASURES = [
  [`HTTP invoke example/hello greet (50 conns, ${process.env.BENCH_ISOLATION === 'worker' ? 'worker' : 'inline'})`, 'req/s', httpInvoke, true],
  ['durable invoke-and-await, sequential, one agent (p50)', 'ms', durableSequential, false],
  ['durable invoke-and-await, 100 agents × 10 concurrently', 'calls/s', durableHundred, true],
  ['town assign, POST /v1/tasks/assign (p50)', 'ms', townAssign, false],
  ['jobs/s, 200 trivial wasm jobs over HTTP', 'jobs/s', jobsPerSecond, true],
];

/**
 * CPU seconds the server process has used (all its threads), from /proc: on a shared machine a
 * server's CPU per operation moves much less with other load than its wall-clock figures do.
 * Undefined where /proc is not there.
 */
function cpuSeconds(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((sum, t) => {
      const fields = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) / 100;
    }, 0);
  } catch {
    return undefined;
  }
}

const baseTree = baselineTree();
const binDir = fakeCliDir();
const trees = [['baseline', baseTree], ['current', ROOT]];
const servers = [];
try {
  for (const [name, tree] of trees) await server(tree, name);
  // Warm both.
  for (const s of servers) {
    await durableSequential(s);
    await townAssign(s);
    log(`warmed ${s.name}`);
  }
  const samples = MEASURES.map(() => ({ baseline: [], current: [] }));
  const cpu = MEASURES.map(() => ({ baseline: [], current: [] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (let m = 0; m < MEASURES.length; m++) {
      // Alternate which tree goes first, so neither always meets the warmer machine.
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) {
        const c0 = cpuSeconds(s.child.pid);
        const r = await MEASURES[m][2](s);
        const c1 = cpuSeconds(s.child.pid);
        samples[m][s.name].push(r.value);
        if (c0 !== undefined && c1 !== undefined) cpu[m][s.name].push(((c1 - c0) * 1e3) / r.ops);
        log(`${MEASURES[m][0]}: ${s.name} ${r.value.toFixed(3)}${c0 === undefined ? '' : `, server CPU ${cpu[m][s.name].at(-1).toFixed(3)} ms/op`}`);
      }
    }
    log(`round ${round + 1}/${ROUNDS} done`);
  }
  const rows = MEASURES.map(([label, unit, , higherIsBetter], m) => {
    const b = median(samples[m].baseline);
    const c = median(samples[m].current);
    // Ratio > 1 means the current tree is faster, whichever way the unit points.
    const speed = higherIsBetter ? c / b : b / c;
    // CPU ratio > 1 means the current server spends less CPU per operation.
    const cpuRatio = cpu[m].current.length > 0 ? (median(cpu[m].baseline) / median(cpu[m].current)).toFixed(2) : 'n/a';
    const cpuCell = cpu[m].current.length > 0 ? `${median(cpu[m].current).toFixed(3)} / ${median(cpu[m].baseline).toFixed(3)}` : 'n/a';
    // Each round measured both trees back to back: on a machine whose speed swings between rounds
    // (3x here when other work comes and goes), the ratio within a round is the steadier figure.
    const perRound = samples[m].current.map((cur, i) => (higherIsBetter ? cur / samples[m].baseline[i] : samples[m].baseline[i] / cur));
    const spread = `${Math.min(...perRound).toFixed(2)} / ${median(perRound).toFixed(2)} / ${Math.max(...perRound).toFixed(2)}`;
    return [label, `${c.toFixed(unit === 'ms' ? 3 : 0)} ${unit}`, `${b.toFixed(unit === 'ms' ? 3 : 0)} ${unit}`, speed.toFixed(2), spread, cpuCell, cpuRatio];
  });
  const header = ['measure', 'this tree', `baseline ${BASE}`, 'speed ratio (>1 faster)', 'per-round ratio min / median / max', 'server CPU ms/op (this / baseline)', 'CPU ratio (>1 less)'];
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  process.stdout.write(`${table}\n\nMedians of ${ROUNDS} interleaved rounds, both trees built and run in this process's run.\n`);
} finally {
  for (const s of servers) {
    s.child.kill('SIGTERM');
    await once(s.child, 'exit').catch(() => undefined);
    rmSync(s.dataDir, { recursive: true, force: true });
  }
  rmSync(binDir, { recursive: true, force: true });
  execFileSync('git', ['worktree', 'remove', '--force', baseTree], { cwd: ROOT, stdio: 'pipe' });
  if (existsSync(baseTree)) rmSync(baseTree, { recursive: true, force: true });
}
