// TypeScript components (`taho new` + `taho build`): what a build costs, cold and unchanged,
// what the first call of the built component costs, and a call against the WAT example/hello,
// with where the time goes (the embedded JS engine and the host calls it makes on each call).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../dist/core/config/load.js';
import { createRuntime } from '../dist/core/runtime.js';
import { ComponentLoader } from '../dist/core/components/loader.js';
import { projectAt } from '../dist/core/build/project.js';
import { bundle } from '../dist/core/build/bundle.js';
import { componentize } from '../dist/core/build/componentize.js';
import { readWorld } from '../dist/core/build/wit.js';
import { median, nsPerCall } from './measure.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'run.js');
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

function wallMs(cwd, env, args, runs = 1) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    execFileSync(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
    times.push(ms(t0));
  }
  return median(times);
}

export async function buildBench() {
  const rows = [];
  const work = mkdtempSync(join(tmpdir(), 'taho-bench-build-'));
  // A cache of its own: the first build is cold for certain.
  const env = { TAHO_BUILD_CACHE: join(work, 'build-cache'), TAHO_DATA_DIR: join(work, '.taho') };
  wallMs(work, env, ['new', 'bench/hello-ts']);

  const coldMs = wallMs(work, env, ['build']);
  const project = projectAt(join(work, 'components', 'bench', 'hello-ts'));
  const world = await readWorld(project.witFile, readFileSync(project.witFile, 'utf8'), project.name, work);
  const t0 = process.hrtime.bigint();
  await componentize(project, world, await bundle(project, world.imports, work));
  const rawMs = ms(t0);
  rows.push(['`taho build` of the scaffold, cold (empty build cache)', `${(coldMs / 1000).toFixed(1)} s`, `${(rawMs / 1000).toFixed(1)} s (componentize-js alone, same bundle)`, `${((coldMs - rawMs) / 1000).toFixed(1)} s ours (type check, bindings, process)`, (coldMs / rawMs).toFixed(2)]);
  const versionMs = wallMs(work, env, ['--version'], 5);
  const unchangedMs = wallMs(work, env, ['build'], 5);
  rows.push(['`taho build`, sources unchanged (content hash)', `${unchangedMs.toFixed(0)} ms`, `${versionMs.toFixed(0)} ms (taho --version)`, `${(unchangedMs - versionMs).toFixed(0)} ms ours`, (unchangedMs / versionMs).toFixed(2)]);

  // The first call: a fresh data directory, so the component is transpiled (jco) and compiled.
  const firstTs = wallMs(work, env, ['invoke', 'bench/hello-ts', 'greet', 'World']);
  const firstWat = wallMs(work, env, ['invoke', 'example/hello', 'greet', 'World']);
  rows.push(['first `taho invoke` of the built component (transpile, compile, call)', `${firstTs.toFixed(0)} ms`, `${firstWat.toFixed(0)} ms (WAT example/hello, also first)`, `${(firstTs - firstWat).toFixed(0)} ms`, (firstTs / firstWat).toFixed(1)]);
  const warmTs = wallMs(work, env, ['invoke', 'bench/hello-ts', 'greet', 'World'], 3);
  const warmWat = wallMs(work, env, ['invoke', 'example/hello', 'greet', 'World'], 3);
  rows.push(['`taho invoke` of the built component, transpile cached', `${warmTs.toFixed(0)} ms`, `${warmWat.toFixed(0)} ms (WAT example/hello)`, `${(warmTs - warmWat).toFixed(0)} ms (instantiating the JS engine)`, (warmTs / warmWat).toFixed(1)]);

  // Per call, in-process: ours and the bare jco export, the TS component against the WAT one.
  const { config } = loadConfig({ cwd: work, env: {}, flags: { data_dir: env.TAHO_DATA_DIR } });
  const runtime = createRuntime(config, { isolation: 'inline' });
  await runtime.services.invoke('bench', 'hello-ts', 'greet', ['warm']);
  await runtime.services.invoke('example', 'hello', 'greet', ['warm']);
  let clockReads = 0;
  const loader = new ComponentLoader({ cacheDir: join(env.TAHO_DATA_DIR, 'cache', 'components') });
  const tsDirect = await loader.instantiate(runtime.registry.get('bench', 'hello-ts'), { monotonicNow: () => { clockReads += 1; return process.hrtime.bigint(); } });
  const before = clockReads;
  tsDirect.greet('World');
  const readsPerCall = clockReads - before;
  const [tsOurs, watOurs, tsRaw] = nsPerCall([
    () => runtime.services.invokeSync('bench', 'hello-ts', 'greet', ['World']),
    () => runtime.services.invokeSync('example', 'hello', 'greet', ['World']),
    () => tsDirect.greet('World'),
  ], 200, 200);
  await runtime.close();
  rows.push(['in-process invoke greet: TS component vs WAT example/hello', `${(tsOurs / 1000).toFixed(0)} µs`, `${(watOurs / 1000).toFixed(1)} µs (WAT)`, `${(tsRaw / 1000).toFixed(0)} µs: the bare jco export of the TS component (the JS engine, ${readsPerCall} monotonic-clock host reads a call)`, (tsOurs / watOurs).toFixed(0)]);
  return rows;
}
