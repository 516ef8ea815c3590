// The server side of the event fan-out benchmark: taho's app, publishing `rate` events/s on the
// one event stream, each carrying its publication time. Runs in its own process.
import { loadConfig } from '../dist/core/config/load.js';
import { createRuntime } from '../dist/core/runtime.js';
import { buildApp } from '../dist/server/app.js';

const [dataDir, rateArg, secondsArg] = process.argv.slice(2);
const { config } = loadConfig({ cwd: process.cwd(), env: {}, flags: { data_dir: dataDir, 'http.port': 0 } });
const runtime = createRuntime(config, {});
const app = await buildApp({ runtime, version: 'bench', configView: () => ({ file: null, entries: [] }) });
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${app.server.address().port}\n`);
const bus = runtime.events();
process.stdin.once('data', async () => {
  const rate = Number(rateArg);
  const total = rate * Number(secondsArg);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  // Publish in 10 ms steps, as a steady flow would arrive.
  for (let n = 0; n < total;) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    const step = [];
    for (; n < due; n++) step.push({ kind: 'job', type: 'Running', subject: `j-${n}`, data: { t: performance.timeOrigin + performance.now() } });
    await bus.append(step); // one commit per step, as a burst of changes shares one
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 500));
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - started })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
