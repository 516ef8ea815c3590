// Cluster mode in one run: two `taho serve --store redis://…` nodes on a real redis-server (AOF
// everysec) and one embedded `taho serve` (SQLite) as the baseline, all real processes on
// loopback with the same configuration otherwise. Measures a durable invoke-and-await on the
// agent's owner and through a node that forwards to it, the first call served after kill -9 of
// the owner (lease 1 s), and how soon an SSE follower on the other node hears an agent's call.
// Rounds interleave the targets so machine noise hits all alike; min/median/max of the rounds'
// p50s, and ratios as the median of each round's ratio.
// Standalone: `npm run build && node bench/cluster.js`; `npm run bench` includes it.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { desiredOwner, shardOf } from '../dist/core/cluster/shards.js';
import { startRedis } from './store.js';

const LEASE_MS = 1000;
const BIN = resolve(import.meta.dirname, '..', 'bin', 'run.js');
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
export const median = (xs) => pct(xs, 0.5);
export const now = () => Number(process.hrtime.bigint()) / 1e6;
export const spread = (xs, unit = 'ms', digits = 3) => `${median(xs).toFixed(digits)} ${unit} (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)})`;

// A keep-alive node:http client: fetch adds ≈ 0.2 ms of its own per request (see agents.js).
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
export function http(method, url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: body === undefined ? headers : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, node: res.headers['x-taho-node'], text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const WORKERS = '/v1/components/example%2Fcounter/workers';
const increment = (url, name, key) => http('POST', `${url}${WORKERS}/${name}/invoke-and-await?function=increment`, '{"params":[{"value":1}]}', { 'idempotency-key': key });

/** `taho serve` in its own process; resolves with its URL (and node id on a cluster store). */
export function serve(dataDir, store) {
  mkdirSync(dataDir, { recursive: true });
  const args = [BIN, 'serve', '--port', '0', ...(store ? ['--store', store] : [])];
  const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: '1', TAHO_DATA_DIR: dataDir, TAHO__CLUSTER__LEASE_MS: String(LEASE_MS) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const check = () => {
      const url = out.match(/listening on (http:\/\/\S+)/)?.[1];
      const id = out.match(/cluster: node (\S+),/)?.[1];
      if (url && (id || (!store && out.includes('API description')))) resolve({ child, url, id, dataDir, store });
    };
    child.stdout.on('data', (c) => { out += c; check(); });
    child.stderr.on('data', (c) => { out += c; });
    child.once('exit', () => reject(new Error(`taho serve exited:\n${out}`)));
  });
}
export function kill(node, signal = 'SIGTERM') {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return Promise.resolve();
  node.child.removeAllListeners('exit'); // the start-up rejection
  const done = new Promise((r) => node.child.once('exit', r));
  node.child.kill(signal);
  return done;
}

export async function until(f) {
  for (;;) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** p50 of `n` sequential calls. */
async function p50(n, call) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const r = await call(i);
    if (r.status !== 200) throw new Error(`call answered ${r.status}: ${r.text}`);
    times.push(now() - t0);
  }
  return median(times);
}

/**
 * Calls `onEvent` with each server-sent event (its raw text) of `url` + `path`; answers the
 * request (destroy() ends it), whose `ready` resolves once the stream is open.
 */
export function sseEvents(url, path, onEvent) {
  let buffer = '';
  let opened;
  const ready = new Promise((resolve) => { opened = resolve; });
  const req = request(`${url}${path}`, { headers: { accept: 'text/event-stream' } }, (res) => {
    opened();
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buffer += chunk;
      const all = buffer.split('\n\n');
      buffer = all.pop() ?? '';
      for (const e of all) onEvent(e);
    });
  });
  req.on('error', () => undefined);
  req.end();
  req.ready = ready;
  return req;
}

/** A follower of `url`'s agent events: `heard(key)` resolves when the event of the call with that key arrives. */
function follow(url) {
  const waiting = new Map();
  const req = sseEvents(url, '/v1/events?after=latest&kind=agent', (e) => {
    for (const [key, done] of waiting) if (e.includes(key)) { waiting.delete(key); done(now()); }
  });
  return {
    heard: (key) => new Promise((resolve) => waiting.set(key, resolve)),
    close: () => req.destroy(),
  };
}

/** p50 from sending a call to `caller` until `follower` hears its event. */
async function deliveryP50(n, caller, follower, name, tag) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const key = `ev-${tag}-${i}`;
    const heard = follower.heard(key);
    const t0 = now();
    await increment(caller, name, key);
    times.push((await heard) - t0);
  }
  return median(times);
}

export async function clusterBench({ rounds = 7, calls = 200, takeovers = 3 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'taho-bench-cluster-'));
  const redis = await startRedis(dir);
  const nodes = [];
  try {
    const [embedded, a, b] = await Promise.all([serve(join(dir, 'embedded')), serve(join(dir, 'a'), redis.url), serve(join(dir, 'b'), redis.url)]);
    nodes.push(embedded, a, b);
    // An agent that rendezvous hashing gives to a; measured once b forwards its calls there.
    const list = JSON.parse((await http('GET', `${a.url}/v1/components`)).text);
    const cid = list.find((c) => c.componentName === 'example/counter').versionedComponentId.componentId;
    let name = '';
    for (let i = 0; !name; i++) if (desiredOwner(shardOf(cid, `bench-${i}`), [a.id, b.id]) === a.id) name = `bench-${i}`;
    await until(async () => (await http('GET', `${b.url}${WORKERS}/${name}`)).node === a.id);

    const results = { embedded: [], owner: [], forwarded: [], eventsCluster: [], eventsEmbedded: [], takeover: [] };
    const targets = { embedded: embedded.url, owner: a.url, forwarded: b.url };
    for (const [kind, url] of Object.entries(targets)) await p50(calls, (i) => increment(url, name, `warm-${kind}-${i}`));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? Object.keys(targets) : Object.keys(targets).reverse();
      for (const kind of order) results[kind].push(await p50(calls, (i) => increment(targets[kind], name, `r${r}-${kind}-${i}`)));
    }

    const onB = follow(b.url);
    const onEmbedded = follow(embedded.url);
    await deliveryP50(50, a.url, onB, name, 'warm-c');
    await deliveryP50(50, embedded.url, onEmbedded, name, 'warm-e');
    for (let r = 0; r < rounds; r++) {
      results.eventsCluster.push(await deliveryP50(100, a.url, onB, name, `c${r}`));
      results.eventsEmbedded.push(await deliveryP50(100, embedded.url, onEmbedded, name, `e${r}`));
    }
    onB.close();
    onEmbedded.close();

    // kill -9 of the owner; the clock runs until b serves the agent's next call itself.
    let owner = a;
    for (let r = 0; r < takeovers; r++) {
      await kill(owner, 'SIGKILL');
      const t0 = now();
      const res = await increment(b.url, name, `takeover-${r}`);
      if (res.status !== 200) throw new Error(`takeover call answered ${res.status}: ${res.text}`);
      results.takeover.push(now() - t0);
      // The same node again (its data directory keeps its id): it takes its shards back.
      owner = await serve(owner.dataDir, redis.url);
      nodes.push(owner);
      await until(async () => (await http('GET', `${b.url}${WORKERS}/${name}`)).node === owner.id);
    }

    // Ratios are medians of each round's ratio: the targets of a round ran side by side.
    const ratio = (x, y) => median(x.map((v, i) => v / (y[i] ?? y[0]))).toFixed(2);
    const base = `p50 ${spread(results.embedded)} (embedded SQLite server, same call)`;
    return [
      [`cluster: durable invoke-and-await on the agent's owner (Redis store, HTTP keep-alive; ${rounds} rounds of ${calls})`, `p50 ${spread(results.owner)}`, base, '≤ 1.0 ms; Golem ≈ 1.5', ratio(results.owner, results.embedded)],
      ['cluster: the same call through a node that forwards it to the owner', `p50 ${spread(results.forwarded)}`, base, '≤ 1.5 ms', ratio(results.forwarded, results.embedded)],
      [`cluster: first call served after kill -9 of its owner (lease ${LEASE_MS} ms, ${takeovers} takeovers)`, spread(results.takeover, 'ms', 0), `lease ${LEASE_MS} ms`, '≤ lease + 1 s; Bacalhau 75 s, Tinytown 120 s', ratio(results.takeover, [LEASE_MS])],
      ['cluster: an agent call on node A heard by an SSE follower (/v1/events) on node B, from the call\'s start', `p50 ${spread(results.eventsCluster)}`, `p50 ${spread(results.eventsEmbedded)} (follower on the embedded server itself)`, '≤ 5 ms', ratio(results.eventsCluster, results.eventsEmbedded)],
    ];
  } finally {
    agent.destroy();
    await teardown(nodes, redis, dir);
  }
}

/** Kills every node, stops redis-server, removes the run's directory. */
export async function teardown(nodes, redis, dir) {
  await Promise.all(nodes.map((n) => kill(n, 'SIGKILL')));
  redis.child.kill('SIGTERM');
  await new Promise((r) => redis.child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await clusterBench();
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
}
