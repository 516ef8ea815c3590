// Lists that cost a page (#19): a page of jobs, durable agents, town tasks and events, and GET
// one worker, each timed over a store holding 100 and one holding 10 000 items, in the same run;
// the ratio 10 000 / 100 is the cost of growth (target 1 ± 0.2). Then a hot agent's call right
// after a list page, against the same call with no list before it (target 1: a list loads and
// evicts nothing). Rounds are interleaved; min / median / max are over the rounds' medians.
// Alone: `node bench/lists.js [rounds]` after `npm run build`; `npm run bench` includes it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../dist/core/config/load.js';
import { createRuntime } from '../dist/core/runtime.js';
import { listJobs } from '../dist/core/jobs/list.js';

const root = resolve(import.meta.dirname, '..');
const SIZES = [100, 10_000];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => x.toFixed(x < 0.1 ? 3 : 2);
const spread = (xs) => `${fmt(median(xs))} (min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))})`;

function job(i) {
  const t = 1_700_000_000_000_000_000 + i * 1000;
  return {
    ID: `j-bench-${String(i).padStart(6, '0')}`, Name: `bench-${i}`, Namespace: 'default', Type: 'batch', Priority: 0, Count: 1, Constraints: [], Meta: {},
    Labels: {}, Tasks: [{ Name: 'main', Engine: { Type: 'wasm' } }], State: { StateType: i % 10 === 0 ? 'Failed' : 'Completed' }, Version: 1, Revision: 1,
    CreateTime: t, ModifyTime: t,
  };
}

function task(i) {
  const at = new Date(1_700_000_000_000 + i).toISOString();
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, description: `task ${i}`, state: 'completed', assigned_to: null, created_at: at, updated_at: at,
    started_at: null, completed_at: at, result: null, parent_id: null, tags: [],
  };
}

const entry = (i) => ({ kind: 'completed', fn: 'get', params: [], host: [], result: 0, key: `k${i}`, at: Date.now() });

/** A runtime over a store with `n` jobs, durable agents, tasks and events, and an agent whose oplog holds `n` entries. */
async function world(n) {
  const dataDir = mkdtempSync(join(tmpdir(), `taho-bench-lists-${n}-`));
  const { config } = loadConfig({ cwd: root, env: {}, flags: { data_dir: dataDir } });
  const runtime = createRuntime(config, { isolation: 'inline' });
  const stores = runtime.stores();
  const counter = runtime.registry.get('example', 'counter').id;
  for (let i = 0; i < n; i += 500) {
    const ids = Array.from({ length: Math.min(500, n - i) }, (_, k) => i + k);
    await stores.jobs.commit({ jobs: ids.map((k) => ({ job: job(k), newVersion: true })) });
    await stores.town.apply({ ops: ids.map((k) => ({ op: 'putTask', task: task(k) })) });
    await stores.events.append(ids.map((k) => ({ kind: 'service', type: 'loaded', subject: `s${k % 50}`, data: {} })));
    await Promise.all(ids.map((k) => stores.agents.ensureAgent(counter, `a${String(k).padStart(6, '0')}`)));
    await Promise.all(ids.map((k) => stores.agents.append(counter, 'long-log', entry(k))));
  }
  await stores.agents.ensureAgent(counter, 'long-log');
  await stores.events.append([{ kind: 'service', type: 'loaded', subject: 'rare', data: {} }]);
  await runtime.agents().invoke(counter, 'hot', 'increment', [1]);
  return { runtime, counter };
}

/** ms per call of each op (median of `n` awaited calls). */
async function msPer(fn, n) {
  const xs = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(xs);
}

const OPS = {
  'job list page (10, newest first)': ({ runtime }) => listJobs(runtime.stores().jobs, { limit: 10, reverse: true }),
  'durable agents list page (100)': ({ runtime, counter }) => runtime.agents().page({ componentId: counter, limit: 100 }),
  'GET one worker (its oplog holds 100 / 10 000 entries)': ({ runtime, counter }) => runtime.agents().info(counter, 'long-log'),
  'town tasks page (100)': ({ runtime }) => runtime.town().tasks({ limit: 100 }),
  'events page filtered by subject (the one match is newest)': ({ runtime }) => runtime.stores().events.read(0, { subject: 'rare' }, 100),
};

export async function listsBench(rounds = 5) {
  const worlds = [];
  for (const n of SIZES) worlds.push(await world(n));
  const [small, big] = worlds;
  const times = Object.fromEntries(Object.keys(OPS).map((k) => [k, { small: [], big: [], ratio: [] }]));
  const hot = { alone: [], after: [], ratio: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [name, op] of Object.entries(OPS)) {
        await op(small);
        await op(big);
        const s = await msPer(() => op(small), 100);
        const b = await msPer(() => op(big), 100);
        times[name].small.push(s);
        times[name].big.push(b);
        times[name].ratio.push(b / s);
      }
      // The hot agent of the big world, each call timed alone and then right after a list page of
      // its component (another page each time, as a user paging through would ask), interleaved.
      const call = async () => {
        const t0 = process.hrtime.bigint();
        await big.runtime.agents().invoke(big.counter, 'hot', 'increment', [1]);
        return Number(process.hrtime.bigint() - t0) / 1e6;
      };
      const xs = [];
      const ys = [];
      for (let i = 0; i < 50; i++) {
        xs.push(await call());
        await big.runtime.agents().page({ componentId: big.counter, after: i * 100, limit: 100 });
        ys.push(await call());
      }
      const alone = median(xs);
      const after = median(ys);
      hot.alone.push(alone);
      hot.after.push(after);
      hot.ratio.push(after / alone);
    }
  } finally {
    for (const w of worlds) await w.runtime.close();
  }
  const rows = Object.entries(times).map(([name, t]) => [
    `${name}: at 10 000 items vs at 100 (target 1 ± 0.2)`, `${spread(t.big)} ms`, `${spread(t.small)} ms (100 items)`, '', spread(t.ratio),
  ]);
  rows.push(['a hot agent\'s next call right after a list page, 10 000 agents (target 1)', `${spread(hot.after)} ms`, `${spread(hot.alone)} ms (the same call, no list)`, '', spread(hot.ratio)]);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await listsBench(Number(process.argv[2] ?? 5))) process.stdout.write(`${r.join(' | ')}\n`);
}
