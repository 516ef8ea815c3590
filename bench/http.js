// HTTP invoke throughput: taho's route vs a raw node:http handler doing the same JSON work, in
// the same run, each server in its own process. Prints rps ratios and p99 latencies.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import autocannon from 'autocannon';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);

async function target(mode, dataDir) {
  const child = spawn(process.execPath, [new URL('./http-target.js', import.meta.url).pathname, mode, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  return { child, port: Number(String(line).trim()) };
}

function load(port) {
  return autocannon({
    url: `http://127.0.0.1:${port}/api/services/example/hello/invoke/greet`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '"World"',
    connections: 50,
    duration: DURATION,
  });
}

export async function httpBench(dataDir) {
  const results = {};
  for (const mode of ['raw', 'inline', 'worker']) {
    const { child, port } = await target(mode, dataDir);
    await autocannon({ url: `http://127.0.0.1:${port}/api/services/example/hello/invoke/greet`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '"w"', connections: 10, duration: 1 });
    const r = await load(port);
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${mode}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    results[mode] = { rps: r.requests.average, p99: r.latency.p99, p50: r.latency.p50 };
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  return results;
}
