// Benchmarks with same-run baselines: absolute numbers drift on shared machines, ratios less so.
// Writes docs/performance.md. Run with `npm run bench` (builds first).
import { cpus, totalmem } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../dist/core/config/load.js';
import { createRuntime } from '../dist/core/runtime.js';
import { ComponentLoader } from '../dist/core/components/loader.js';
import { httpBench } from './http.js';
import { agentsBench } from './agents.js';
import { jobsBench } from './jobs.js';
import { townBench } from './town.js';
import { eventsBench } from './events.js';
import { cliRequestsBench } from './cli-requests.js';
import { firstCallBench } from './first-call.js';
import { startupBench } from './startup.js';
import { buildBench } from './build.js';
import { nsPerCall } from './measure.js';
import { storeBench } from './store.js';
import { clusterBench } from './cluster.js';
import { clusterTownBench } from './cluster-town.js';
import { clusterJobsBench } from './cluster-jobs.js';
import { listsBench } from './lists.js';
import { diskBench } from './disk.js';

const root = resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-'));
const { config } = loadConfig({ cwd: root, env: {}, flags: { data_dir: dataDir } });
const runtime = createRuntime(config, { isolation: 'inline' });

const rows = [];
async function invokeRow(service, method, args) {
  const [domain, name] = service.split('/');
  await runtime.services.invoke(domain, name, method, args);
  const entry = runtime.registry.get(domain, name);
  const exports = await new ComponentLoader({ cacheDir: join(dataDir, 'cache', 'components') }).instantiate(entry);
  const direct = exports[method.replace(/-([a-z])/g, (_, c) => c.toUpperCase())];
  const jsArgs = [...args];
  const n = 100_000;
  const [ours, raw] = nsPerCall([() => runtime.services.invokeSync(domain, name, method, args), () => direct(...jsArgs)], n);
  rows.push([`in-process invoke ${service} ${method}`, `${ours.toFixed(0)} ns`, `${raw.toFixed(0)} ns (direct jco export)`, `${(ours - raw).toFixed(0)} ns ours`, (ours / raw).toFixed(2)]);
}

await invokeRow('example/hello', 'greet', ['World']);
await invokeRow('example/calculator', 'add', [2, 3]);

// What isolation costs per call: the same call through a worker thread, one at a time.
const isolated = createRuntime(config, { isolation: 'worker' });
await isolated.services.call('example', 'hello', 'greet', 'warm');
const asyncNs = async (fn, n) => {
  for (let i = 0; i < 500; i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / n;
};
const workerNs = await asyncNs(() => isolated.services.call('example', 'hello', 'greet', 'World'), 5_000);
const inlineNs = await asyncNs(() => runtime.services.call('example', 'hello', 'greet', 'World'), 5_000);
await isolated.close();
rows.push(['invoke example/hello greet, isolation = worker (awaited)', `${(workerNs / 1000).toFixed(1)} µs`, `${(inlineNs / 1000).toFixed(1)} µs (isolation = inline, awaited)`, `${((workerNs - inlineNs) / 1000).toFixed(1)} µs isolation`, (workerNs / inlineNs).toFixed(1)]);

const http = await httpBench(dataDir);
for (const mode of ['inline', 'worker']) {
  const m = http[mode];
  rows.push([`HTTP POST …/example/hello/invoke/greet, isolation = ${mode} (50 conns)`, `${m.rps.toFixed(0)} req/s, p99 ${m.p99} ms`, `${http.raw.rps.toFixed(0)} req/s, p99 ${http.raw.p99} ms (raw node:http)`, '', (m.rps / http.raw.rps).toFixed(2)]);
}
rows.push(['HTTP invoke with api_key auth (inline, key sent each request)', `${http.auth.rps.toFixed(0)} req/s, p99 ${http.auth.p99} ms`, `${http.inline.rps.toFixed(0)} req/s (auth none)`, '', (http.auth.rps / http.inline.rps).toFixed(2)]);

rows.push(...await agentsBench());
rows.push(...await jobsBench());
rows.push(...await townBench());
rows.push(...await eventsBench());
rows.push(...await cliRequestsBench());
rows.push(...await firstCallBench());
rows.push(...await buildBench());
rows.push(...await storeBench());
rows.push(...await clusterBench());
rows.push(...await clusterTownBench());
rows.push(...await clusterJobsBench());
rows.push(...await listsBench());
rows.push(...await diskBench());

rows.push(...startupBench({ dataDir }));

const header = ['measure', 'taho', 'baseline (same run)', 'difference', 'ratio'];
const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
const targets = [
  'Targets: in-process `hello.greet` ≤ 5 µs including jco\'s bindings, our own layer ≤ 1 µs;',
  '`taho --version` ≤ 250 ms and ≤ 2 × `node -e 0`; `taho invoke example/hello greet` ≤ 600 ms (warm transpile cache), both typed as `taho` (bin/taho);',
  'HTTP invoke throughput ≥ 0.85 of the raw node:http handler doing the same JSON work;',
  'api_key auth ≥ 0.95 of no auth (verified keys are cached by digest; argon2 is paid once per key);',
  'cluster (two nodes on Redis): durable invoke-and-await p50 ≤ 1.0 ms on the owner, ≤ 1.5 ms through a forwarding node; first call served ≤ lease + 1 s after kill -9 of the owner; cross-node event delivery p50 ≤ 5 ms; town assign → inbox p50 ≤ 5 ms on three nodes.',
].join('\n');
// The generated part sits between markers so the notes around it survive a new run.
const generated = `<!-- bench:start -->\nMeasured by \`npm run bench\` (bench/run.js) on ${machine}.\nMedians of 7 interleaved rounds (calls), 3 interleaved rounds (HTTP) or 10 runs (processes); baselines come from the same run.\n\n${table}\n\n${targets}\n<!-- bench:end -->`;
const docPath = join(root, 'docs', 'performance.md');
const previous = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Performance\n\n<!-- bench:start --><!-- bench:end -->\n';
writeFileSync(docPath, previous.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, generated));
process.stdout.write(`${table}\n\n${machine}\n`);

// The embedded paths against an earlier commit, both trees built and measured interleaved in this
// run (bench/compare.js): by default the commit before this one; BENCH_BASE names another (for
// #13's criterion, b45214c, the last commit before the store ports). BENCH_BASE=none skips it.
const base = process.env.BENCH_BASE ?? 'HEAD~1';
if (base !== 'none') {
  const { execFileSync } = await import('node:child_process');
  const compared = execFileSync(process.execPath, [join(root, 'bench', 'compare.js'), base], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const section = `<!-- compare-run:start -->\nMeasured by \`npm run bench\` (bench/compare.js ${base}) on ${machine}.\n\n${compared.trim()}\n<!-- compare-run:end -->`;
  const doc = readFileSync(docPath, 'utf8');
  writeFileSync(docPath, doc.includes('<!-- compare-run:start -->') ? doc.replace(/<!-- compare-run:start -->[\s\S]*<!-- compare-run:end -->/, section) : `${doc.trimEnd()}\n\n${section}\n`);
  process.stdout.write(`\n${compared}`);
}
