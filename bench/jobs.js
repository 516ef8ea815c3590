// Jobs: 1 000 trivial wasm jobs submitted to the embedded node and run to Completed, against the
// same module run directly with node:wasi in this process (no orchestration, no thread), same run.
import { mkdtempSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WASI } from 'node:wasi';
import { loadConfig } from '../dist/core/config/load.js';
import { createRuntime } from '../dist/core/runtime.js';

const root = resolve(import.meta.dirname, '..');
const MODULE = join(root, 'examples', 'jobs', 'wasm', 'hello-wasi.wasm');
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const job = () => ({
  Type: 'batch',
  Tasks: [{
    Name: 'main',
    Engine: { Type: 'wasm', Params: { EntryModule: '/wasm/hello.wasm', Parameters: ['bench'] } },
    InputSources: [{ Target: '/wasm/hello.wasm', Source: { Type: 'local', Params: { SourcePath: MODULE } } }],
    Publisher: { Type: 'local' },
  }],
});

/** The floor: compile and run the module with node:wasi here, writing to files, N times. */
function directRuns(n, dir) {
  const bytes = readFileSync(MODULE);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const out = join(dir, `d${i}`);
    mkdirSync(join(out, 'outputs'), { recursive: true });
    const stdout = openSync(join(out, 'stdout'), 'w');
    const stderr = openSync(join(out, 'stderr'), 'w');
    const wasi = new WASI({ version: 'preview1', args: ['hello', 'bench'], env: {}, preopens: { '/outputs': join(out, 'outputs') }, stdout, stderr, returnOnExit: true });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wasi_snapshot_preview1: wasi.wasiImport });
    wasi.start(instance);
    closeSync(stdout);
    closeSync(stderr);
  }
  return (performance.now() - t0) / n;
}

export async function jobsBench(n = 1000, slots = Number(process.env.SLOTS ?? 0)) {
  const dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-jobs-'));
  const { config } = loadConfig({ cwd: root, env: {}, flags: { data_dir: dataDir, ...(slots ? { 'jobs.slots': slots } : {}) } });
  const runtime = createRuntime(config, {});
  await runtime.startJobs();
  const jobs = runtime.jobs();
  // Job ends, heard through the one event log's follow (as every client hears them).
  const ends = new Map();
  const stop = new AbortController();
  const log = runtime.events();
  const following = (async () => {
    for await (const e of log.follow({ after: await log.lastId(), kinds: ['job'], signal: stop.signal })) {
      if (e.type === 'Completed' || e.type === 'Failed') ends.get(e.subject)?.();
    }
  })();
  const ended = (id) => new Promise((resolveOne) => ends.set(id, () => {
    ends.delete(id);
    resolveOne();
  }));
  // Warm the threads and the page cache.
  for (let i = 0; i < 10; i++) await jobs.submit(job());
  await new Promise((r) => setTimeout(r, 1000));
  const latencies = [];
  const t0 = performance.now();
  const all = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const { JobID } = await jobs.submit(job());
    all.push(ended(JobID).then(() => latencies.push(performance.now() - t)));
  }
  await Promise.all(all);
  const wall = (performance.now() - t0) / 1000;
  // One job at a time: what a user waits for a single short job.
  const single = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    const { JobID } = await jobs.submit(job());
    await ended(JobID);
    single.push(performance.now() - t);
  }
  const failed = (await jobs.list({})).Items.filter((j) => j.State.StateType === 'Failed').length;
  stop.abort();
  await following;
  await runtime.close();
  const directMs = directRuns(200, join(dataDir, 'direct'));
  const perJobMs = (wall * 1000) / n;
  return [
    ['one trivial wasm job at a time, submit → Completed (embedded node)', `p50 ${pct(single, 0.5).toFixed(1)} ms, p99 ${pct(single, 0.99).toFixed(1)} ms`, `${directMs.toFixed(2)} ms (the module run directly)`, '', 'Bacalhau: seconds per job'],
    [`${n} trivial wasm jobs (hello-wasi, local input copied, stdout/stderr/outputs kept) on the embedded node`, `${(n / wall).toFixed(0)} jobs/s, submit→completed p50 ${pct(latencies, 0.5).toFixed(0)} ms, p99 ${pct(latencies, 0.99).toFixed(0)} ms${failed ? `, ${failed} failed` : ''}`,
      `${(1000 / directMs).toFixed(0)} runs/s (the module run directly with node:wasi, one thread, no orchestration)`, `${(perJobMs - directMs).toFixed(2)} ms per job ours`, '≥ 200 jobs/s; Bacalhau: seconds per job'],
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await jobsBench(Number(process.argv[2] ?? 1000))) console.log(row.join(' | '));
  process.exit(0);
}
