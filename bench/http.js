// HTTP invoke throughput: taho's route vs a raw node:http handler doing the same JSON work, in
// the same run. Each server runs in its own process pinned to CPU 0 and the load generator
// (autocannon) in another pinned to CPU 1, as in the measurements of ../shared/notes; rounds are
// interleaved so machine noise hits every target alike, and medians are reported.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';

export const BENCH_KEY = 'taho_bench-key-not-secret';
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

function pinned(cpu, args) {
  return hasTaskset ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
}

async function target(mode, dataDir) {
  const [cmd, args] = pinned(0, [new URL('./http-target.js', import.meta.url).pathname, mode, dataDir]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  return { child, port: Number(String(line).trim()) };
}

async function load(port, seconds, mode) {
  const headers = { 'content-type': 'application/json', ...(mode === 'auth' ? { authorization: `Bearer ${BENCH_KEY}` } : {}) };
  const script = `
    const ac = require(${JSON.stringify(new URL('../node_modules/autocannon', import.meta.url).pathname)});
    ac({ url: 'http://127.0.0.1:${port}/api/services/example/hello/invoke/greet', method: 'POST',
      headers: ${JSON.stringify(headers)}, body: '"World"', connections: 50, duration: ${seconds} },
      (err, r) => { process.stdout.write(JSON.stringify(err ? { error: String(err) } : { rps: r.requests.average, p99: r.latency.p99, bad: r.non2xx + r.errors })); });`;
  const [cmd, args] = pinned(1, ['-e', script]);
  const out = execFileSync(cmd, args, { encoding: 'utf8' });
  const r = JSON.parse(out);
  if (r.error || r.bad > 0) throw new Error(`load on port ${port}: ${out}`);
  return r;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function httpBench(dataDir, modes = ['raw', 'inline', 'auth', 'worker']) {
  const targets = {};
  for (const mode of modes) targets[mode] = await target(mode, dataDir);
  const samples = Object.fromEntries(modes.map((m) => [m, []]));
  try {
    for (const mode of modes) await load(targets[mode].port, 1, mode); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of modes) samples[mode].push(await load(targets[mode].port, DURATION, mode));
    }
  } finally {
    for (const { child } of Object.values(targets)) child.kill('SIGTERM');
  }
  return Object.fromEntries(modes.map((m) => [m, {
    rps: median(samples[m].map((s) => s.rps)),
    p99: median(samples[m].map((s) => s.p99)),
  }]));
}
