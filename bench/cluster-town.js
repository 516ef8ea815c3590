// The town on a cluster: town assign → inbox on three `taho serve --store redis://…` nodes
// (real redis-server, AOF everysec) against one embedded `taho serve` (SQLite) in the same run.
// A task is assigned through one node to an agent that runs on another (its round held busy, so
// tasks wait in its inbox), and the clock stops when the agent's node lists it in the inbox.
// Rounds interleave the targets; min/median/max of the rounds' p50s, the ratio as the median of
// each round's ratio. Standalone: `npm run build && node bench/cluster-town.js`.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRedis } from './store.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'run.js');
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const median = (xs) => pct(xs, 0.5);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const spread = (xs) => `${median(xs).toFixed(2)} ms (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`;

const agent = new Agent({ keepAlive: true, maxSockets: 16 });
function http(method, url, body) {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, agent, headers: text === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      let out = '';
      res.on('data', (c) => { out += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: out ? JSON.parse(out) : undefined }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

function serve(dataDir, config, store) {
  mkdirSync(dataDir, { recursive: true });
  const args = [BIN, 'serve', '--port', '0', ...(store ? ['--store', store] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', TAHO_DATA_DIR: dataDir, TAHO_CONFIG: config, TAHO__CLUSTER__LEASE_MS: '1000' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const check = () => {
      const url = out.match(/listening on (http:\/\/\S+)/)?.[1];
      if (url && out.includes('API description')) resolve({ child, url });
    };
    child.stdout.on('data', (c) => { out += c; check(); });
    child.stderr.on('data', (c) => { out += c; });
    child.once('exit', () => reject(new Error(`taho serve exited:\n${out}`)));
  });
}

function stop(node) {
  node.child.removeAllListeners('exit');
  const done = new Promise((r) => node.child.once('exit', r));
  node.child.kill('SIGKILL'); // its held round dies with the test's data directory
  return done;
}

/** An agent spawned on `home`, kept busy by a round that never ends: assigned tasks wait in its inbox. */
async function busyAgent(home, name) {
  const s = await http('POST', `${home}/v1/agents`, { name, cli: 'script' });
  if (s.status !== 201) throw new Error(`spawn ${name}: ${s.status} ${JSON.stringify(s.body)}`);
  await http('POST', `${home}/v1/tasks/assign`, { agent: name, task: 'hang' });
  for (;;) {
    const a = (await http('GET', `${home}/v1/status`)).body.agents.find((x) => x.name === name);
    if (a?.state === 'Working') return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** p50 of `n` assigns through `via`, each timed until `home` lists it in the agent's inbox. */
async function assignToInbox(via, home, name, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const r = await http('POST', `${via}/v1/tasks/assign`, { agent: name, task: `task ${i}` });
    if (r.status !== 201) throw new Error(`assign: ${r.status} ${JSON.stringify(r.body)}`);
    for (;;) {
      const inbox = (await http('GET', `${home}/v1/agents/${name}/inbox`)).body;
      if (inbox.messages.some((m) => m.task_id === r.body.task_id)) break;
    }
    times.push(now() - t0);
    // Keep the inbox short, as a working town's is: the task leaves it again.
    await http('POST', `${via}/v1/tasks/${r.body.task_id}/complete`, {});
  }
  return median(times);
}

export async function clusterTownBench({ rounds = 7, calls = 100 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'taho-bench-cluster-town-'));
  const config = join(dir, 'config.toml');
  writeFileSync(config, `[town]\nheartbeat_ms = 1000\n[town.presets.script]\ncommand = ${JSON.stringify(`${process.execPath} ${join(ROOT, 'examples', 'town', 'script-agent.mjs')}`)}\n`);
  const redis = await startRedis(dir);
  const started = [];
  try {
    const cluster = await Promise.all([0, 1, 2].map((i) => serve(join(dir, `node-${i}`), config, redis.url)));
    const solo = await serve(join(dir, 'solo'), config);
    started.push(...cluster, solo);
    await busyAgent(cluster[2].url, 'far');
    await busyAgent(solo.url, 'here');
    const c = [];
    const s = [];
    const ratios = [];
    for (let r = 0; r < rounds; r++) {
      const a = await assignToInbox(cluster[0].url, cluster[2].url, 'far', calls);
      const b = await assignToInbox(solo.url, solo.url, 'here', calls);
      c.push(a);
      s.push(b);
      ratios.push(a / b);
    }
    return [[
      'town assign → inbox p50, 3 nodes on Redis (assigned through one node, read on the agent\'s node; target ≤ 5 ms)',
      spread(c), `${spread(s)} (embedded SQLite server)`, `${(median(c) - median(s)).toFixed(2)} ms`, median(ratios).toFixed(2),
    ]];
  } finally {
    await Promise.all(started.map(stop));
    redis.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await clusterTownBench();
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
}
