// Event fan-out: 100 SSE subscribers of /v1/events while the server publishes 1 000 events/s;
// delivery latency (publication → parsed by the subscriber), the server's CPU at that rate, and
// the CPU of the live dashboard following the same flow.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { onSseData } from './sse.js';

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

function subscribe(port, latencies) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/events?kind=job', headers: { accept: 'text/event-stream' } }, (res) => {
      onSseData(res, (e) => latencies.push(performance.timeOrigin + performance.now() - e.data.t));
      resolve(req);
    });
    req.end();
  });
}

/** CPU seconds a process has used (Linux /proc). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
}

/** The live dashboard (`tt status` in a pseudo-terminal) while the server publishes `rate` events/s. */
async function dashboardCpu(rate, seconds) {
  const dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-dash-'));
  const child = spawn(process.execPath, [new URL('./events-target.js', import.meta.url).pathname, dataDir, String(rate), String(seconds)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  const url = `http://127.0.0.1:${Number(String(line).trim())}`;
  const bin = new URL('../bin/run.js', import.meta.url).pathname;
  const dash = spawn('script', ['-q', '-c', `exec '${process.execPath}' '${bin}' status --url ${url}`, '/dev/null'], { env: { ...process.env, COLUMNS: '120', LINES: '40', TERM: 'xterm-256color' }, stdio: ['pipe', 'pipe', 'ignore'] });
  dash.stdout.resume();
  await new Promise((r) => setTimeout(r, 2500));
  const node = execFileSync('pgrep', ['-P', String(dash.pid)], { encoding: 'utf8' }).trim().split('\n')[0];
  const before = cpuSeconds(node);
  child.stdin.write('go\n');
  const [report] = await once(child.stdout, 'data');
  const wall = JSON.parse(String(report)).wallMs / 1000;
  const used = cpuSeconds(node) - before;
  dash.stdin.write('q');
  await new Promise((r) => setTimeout(r, 500));
  dash.kill();
  child.kill('SIGTERM');
  return (used / wall) * 100;
}

export async function eventsBench({ subscribers = 100, rate = 1000, seconds = 5 } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-events-'));
  const child = spawn(process.execPath, [new URL('./events-target.js', import.meta.url).pathname, dataDir, String(rate), String(seconds)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  const port = Number(String(line).trim());
  const latencies = [];
  const reqs = await Promise.all(Array.from({ length: subscribers }, () => subscribe(port, latencies)));
  const cpu0 = process.cpuUsage();
  child.stdin.write('go\n');
  const [report] = await once(child.stdout, 'data');
  const server = JSON.parse(String(report));
  const clientCpu = process.cpuUsage(cpu0);
  for (const r of reqs) r.destroy();
  child.kill('SIGTERM');
  const expected = subscribers * rate * seconds;
  const dash = await dashboardCpu(rate, seconds);
  return [[
    `event fan-out: ${subscribers} SSE subscribers of /v1/events, ${rate} events/s for ${seconds} s`,
    `delivered p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms (${latencies.length}/${expected} delivered)`,
    `server CPU ${(server.cpuMs / server.wallMs * 100).toFixed(0)}% of one core; subscribers' process ${((clientCpu.user + clientCpu.system) / 1000 / server.wallMs * 100).toFixed(0)}%`,
    '', 'p99 reported (no target)',
  ], [
    `tt status (live dashboard, in a pseudo-terminal) while the server publishes ${rate} events/s`, `${dash.toFixed(0)}% of one core`, '', '', 'reported (no target)',
  ]];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await eventsBench()) console.log(row.join(' | '));
  process.exit(0);
}
