// The hop to worker threads, A/B against another tree (#19 wants it cheaper): services and agents
// in worker threads, called in-process (no HTTP, no store noise for services), each tree in its
// own process, interleaved. Prints wall and CPU per call and their ratios, min/median/max.
// Usage: npm run build && node bench/thread-hop.js <baseline tree, built> [rounds=5]
// A target run: node bench/thread-hop.js --target <tree>
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const us = (t0) => Number(process.hrtime.bigint() - t0) / 1e3;
const cpuUs = (c0) => {
  const c = process.cpuUsage(c0);
  return c.user + c.system;
};

async function target(tree) {
  const load = (p) => import(pathToFileURL(join(tree, 'dist', p)).href);
  const { loadConfig } = await load('core/config/load.js');
  const { createRuntime } = await load('core/runtime.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'taho-hop-'));
  const { config } = loadConfig({ cwd: tree, env: {}, flags: { data_dir: dataDir } });
  const runtime = createRuntime(config, { isolation: 'worker' });
  const svc = () => runtime.services.call('example', 'hello', 'greet', ['hop']);
  const agents = runtime.agents();
  const counter = agents.component('example/counter').id;
  let key = 0;
  const agent = (name) => agents.invoke(counter, name, 'increment', [1], `k${key++}`);
  for (let i = 0; i < 2000; i++) await svc();
  for (let i = 0; i < 200; i++) await Promise.all(Array.from({ length: 20 }, (_, a) => agent(`a${a}`)));
  const measure = async (n, run) => {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await run();
    return { wallUs: us(t0) / n, cpuUs: cpuUs(c0) / n };
  };
  const out = {
    'service, one call at a time': await measure(5000, async () => { for (let i = 0; i < 5000; i++) await svc(); }),
    'service, 50 calls in flight': await measure(50_000, async () => {
      let left = 50_000;
      await Promise.all(Array.from({ length: 50 }, async () => { while (left-- > 0) await svc(); }));
    }),
    'agents, 100 agents × 20 calls at once': await measure(2000, () => Promise.all(Array.from({ length: 100 }, async (_, a) => {
      for (let i = 0; i < 20; i++) await agent(`m${a}`);
    }))),
  };
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out));
}

if (process.argv[2] === '--target') {
  await target(process.argv[3]);
} else {
  const base = resolve(process.argv[2]);
  const rounds = Number(process.argv[3] ?? 5);
  const here = resolve(import.meta.dirname, '..');
  const run = (tree) => JSON.parse(execFileSync(process.execPath, [import.meta.filename, '--target', tree], { encoding: 'utf8' }));
  const samples = { current: [], baseline: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, tree] of r % 2 === 0 ? [['baseline', base], ['current', here]] : [['current', here], ['baseline', base]]) samples[name].push(run(tree));
    process.stderr.write(`thread-hop: round ${r + 1}/${rounds}\n`);
  }
  const stat = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${s[0].toFixed(2)} / ${s[Math.floor(s.length / 2)].toFixed(2)} / ${s.at(-1).toFixed(2)}`;
  };
  console.log('| measure | µs/call wall (this / base, medians) | wall ratio base/this min/median/max | µs CPU/call (this / base) | CPU ratio base/this min/median/max |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const m of Object.keys(samples.current[0])) {
    const med = (name, k) => [...samples[name].map((x) => x[m][k])].sort((a, b) => a - b)[Math.floor(rounds / 2)];
    const ratios = (k) => samples.current.map((c, i) => samples.baseline[i][m][k] / c[m][k]);
    console.log(`| ${m} | ${med('current', 'wallUs').toFixed(1)} / ${med('baseline', 'wallUs').toFixed(1)} | ${stat(ratios('wallUs'))} | ${med('current', 'cpuUs').toFixed(1)} / ${med('baseline', 'cpuUs').toFixed(1)} | ${stat(ratios('cpuUs'))} |`);
  }
}
