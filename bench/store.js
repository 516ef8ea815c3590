// The store adapters side by side in one run: the Redis adapter (a real redis-server on loopback,
// AOF everysec) against the embedded SQLite one (WAL, synchronous = NORMAL), through the same
// ports: an agent's oplog append with its event (what acknowledges a durable call), an event's
// delivery to a follower on another connection (another process or node), a lease renewal.
// Rounds alternate between the adapters so machine noise hits both alike; medians of p50s.
// Standalone: `npm run build && node bench/store.js`; `npm run bench` includes it. bench/cluster.js starts its redis-server the same way.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../dist/core/store/open.js';

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const median = (xs) => pct(xs, 0.5);
const now = () => Number(process.hrtime.bigint()) / 1e6;

export async function startRedis(dir) {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  await new Promise((r) => srv.close(r));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--logfile', ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', () => reject(new Error(`redis-server exited:\n${out}`)));
  });
  child.stdout.resume();
  return { child, url: `redis://127.0.0.1:${port}/0` };
}

const entry = (key) => ({ kind: 'completed', fn: 'inc', params: [1], host: [], result: 1, key, at: Date.now() });

/** p50 of one append (entry + its event), sequential, as a durable call's acknowledgement waits. */
async function appendP50(s, round, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await s.agents.append('bench', `a${round}`, entry(`k${i}`), { type: 'invoked', subject: `d/s/a${round}`, data: { fn: 'inc' } });
    times.push(now() - t0);
  }
  return median(times);
}

/** p50 from the start of an append on one connection to its delivery to a follower on another. */
async function deliveryP50(writer, reader, n) {
  const ac = new AbortController();
  const it = reader.events.follow({ after: await reader.events.lastId(), kinds: ['service'], signal: ac.signal })[Symbol.asyncIterator]();
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const next = it.next();
    await writer.events.append([{ kind: 'service', type: 'reloaded', subject: `s${i}`, data: {} }]);
    await next;
    times.push(now() - t0);
  }
  ac.abort();
  await it.return?.();
  return median(times);
}

async function renewP50(s, n) {
  let lease = await s.leases.acquire('jobs', { id: `bench-${process.pid}` }, 10_000);
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    lease = await s.leases.renew(lease, 10_000);
    times.push(now() - t0);
  }
  await s.leases.release(lease);
  return median(times);
}

export async function storeBench({ rounds = 5 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'taho-bench-store-'));
  const redis = await startRedis(dir);
  const sqliteDir = join(dir, 'sqlite');
  const open = { sqlite: () => openStores({ dataDir: sqliteDir, sync: 'normal' }), redis: () => openStores({ url: redis.url, dataDir: sqliteDir, sync: 'normal' }) };
  const stores = { sqlite: [open.sqlite(), open.sqlite()], redis: [open.redis(), open.redis()] };
  const results = { sqlite: { append: [], delivery: [], renew: [] }, redis: { append: [], delivery: [], renew: [] } };
  try {
    for (const kind of ['sqlite', 'redis']) await appendP50(stores[kind][0], 'warm', 300); // JIT, connections, scripts
    for (let r = 0; r < rounds; r++) {
      for (const kind of r % 2 === 0 ? ['sqlite', 'redis'] : ['redis', 'sqlite']) {
        const [a, b] = stores[kind];
        results[kind].append.push(await appendP50(a, r, 1000));
        results[kind].delivery.push(await deliveryP50(b, a, 300));
        results[kind].renew.push(await renewP50(a, 1000));
      }
    }
  } finally {
    for (const s of [...stores.sqlite, ...stores.redis]) await s.close();
    redis.child.kill('SIGTERM');
    await new Promise((r) => redis.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
  const row = (what, key, note) => {
    const ours = median(results.redis[key]);
    const base = median(results.sqlite[key]);
    return [`store ${what}: Redis adapter${note}`, `${ours.toFixed(3)} ms p50`, `${base.toFixed(3)} ms p50 (SQLite adapter)`, `${(ours - base).toFixed(3)} ms`, (ours / base).toFixed(2)];
  };
  return [
    row('agent append + event (one Lua script)', 'append', ''),
    row('event delivery to a follower on another connection', 'delivery', ' (XREAD tail)'),
    row('lease renew', 'renew', ''),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await storeBench();
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
}
