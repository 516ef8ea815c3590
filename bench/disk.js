// Disk after many durable calls with snapshots (#19): the store's size (file and WAL) after N/2
// and after N calls of one snapshotting agent (example/counter, a snapshot every 100 entries),
// keeping everything (the old behaviour), under the default keep settings and under tight ones,
// same run. Bounded means the second half adds nothing: ratio size(N) / size(N/2) near 1 (keeping
// everything gives 2). The sweep a server runs every minute runs every 10 000 calls here.
// Alone: `node bench/disk.js [calls]` after `npm run build`; `npm run bench` includes it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../dist/core/config/load.js';
import { createRuntime } from '../dist/core/runtime.js';

const root = resolve(import.meta.dirname, '..');
const MB = 2 ** 20;

async function diskAfter(calls, settings) {
  const dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-disk-'));
  const { config } = loadConfig({ cwd: root, env: {}, flags: { data_dir: dataDir } });
  const runtime = createRuntime({ ...config, agents: { ...config.agents, isolation: 'inline', ...settings.agents }, events: { ...config.events, ...settings.events } }, { isolation: 'inline' });
  try {
    const agents = runtime.agents();
    const counter = runtime.registry.get('example', 'counter').id;
    const stores = runtime.stores();
    const sizes = [];
    for (let i = 1; i <= calls; i++) {
      await agents.invoke(counter, 'grows', 'increment', [1]);
      if (i % 10_000 === 0) await runtime.retention().sweep();
      if (i === calls / 2 || i === calls) sizes.push(await stores.usage());
    }
    return { half: sizes[0], full: sizes[1] };
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function diskBench(calls = 100_000) {
  const cases = [
    ['keep everything (keep_below_snapshot "all", [events] keep 0)', { agents: { keep_below_snapshot: 'all' }, events: { keep: 0 } }],
    ['default keeps (keep_below_snapshot 1000, [events] keep 100 000)', {}],
    ['keep_below_snapshot 100, [events] keep 10 000', { agents: { keep_below_snapshot: 100 }, events: { keep: 10_000 } }],
  ];
  const rows = [];
  for (const [label, settings] of cases) {
    const m = await diskAfter(calls, settings);
    rows.push([`store after ${calls} durable calls, snapshots every 100: ${label}`, `${(m.full / MB).toFixed(1)} MB`, `${(m.half / MB).toFixed(1)} MB (after ${calls / 2})`, `${((m.full - m.half) / MB).toFixed(1)} MB second half`, (m.full / m.half).toFixed(2)]);
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await diskBench(Number(process.argv[2] ?? 100_000))) process.stdout.write(`${r.join(' | ')}\n`);
}
