// Event fan-out: 100 SSE subscribers of /v1/events while the server publishes 1 000 events/s;
// delivery latency (publication → parsed by the subscriber) and the server's CPU at that rate.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

function subscribe(port, latencies) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/events?kind=job', headers: { accept: 'text/event-stream' } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        let at;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data) latencies.push(performance.timeOrigin + performance.now() - JSON.parse(data).data.t);
        }
      });
      resolve(req);
    });
    req.end();
  });
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
  return [[
    `event fan-out: ${subscribers} SSE subscribers of /v1/events, ${rate} events/s for ${seconds} s`,
    `delivered p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms (${latencies.length}/${expected} delivered)`,
    `server CPU ${(server.cpuMs / server.wallMs * 100).toFixed(0)}% of one core; subscribers' process ${((clientCpu.user + clientCpu.system) / 1000 / server.wallMs * 100).toFixed(0)}%`,
    '', 'p99 reported (no target)',
  ]];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await eventsBench()) console.log(row.join(' | '));
  process.exit(0);
}
