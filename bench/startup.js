// Start-up as a user types commands: `taho` on PATH (bin/taho, the launcher that picks the
// pinned Node), against `node -e 0` on that same Node in the same run.
// Alone: `node bench/startup.js` after `npm run build`; `npm run bench` includes it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall times of whole processes (ms, one per run), the candidates interleaved so noise hits all alike. */
function wall(commands, env, runs) {
  const times = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    commands.forEach(([file, args], k) => {
      const t0 = process.hrtime.bigint();
      execFileSync(file, args, { cwd: root, env, stdio: 'pipe' });
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  }
  return times;
}

const spread = (xs, digits = 0) => `${median(xs).toFixed(digits)} (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)})`;

export function startupBench({ dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-')), runs = 20 } = {}) {
  const env = { ...process.env, TAHO_DATA_DIR: dataDir, NO_COLOR: '1' };
  const taho = join(root, 'bin', 'taho');
  // What `taho` runs on: the Node npm pinned, not necessarily the one running this script.
  const node = join(root, 'node_modules', 'node', 'bin', 'node');
  execFileSync(taho, ['invoke', 'example/hello', 'greet', 'warm'], { cwd: root, env, stdio: 'pipe' }); // warm the transpile cache
  const [nodeMs, versionMs, invokeMs] = wall([[node, ['-e', '0']], [taho, ['--version']], [taho, ['invoke', 'example/hello', 'greet', 'World']]], env, runs);
  // Each run's ratio against the `node -e 0` of the same run; min / median / max over runs.
  const row = (label, ms) => [label, `${spread(ms)} ms`, `${spread(nodeMs)} ms (node -e 0)`, `${(median(ms) - median(nodeMs)).toFixed(0)} ms ours`, spread(ms.map((x, i) => x / (nodeMs[i] ?? x)), 2)];
  return [row('`taho --version` wall (bin/taho on PATH)', versionMs), row('`taho invoke example/hello greet World` wall (bin/taho, warm cache)', invokeMs)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of startupBench()) process.stdout.write(`${r.join(' | ')}\n`);
}
