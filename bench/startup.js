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

/** Median wall time of whole processes, the candidates interleaved so noise hits all alike. */
function wall(commands, env, runs) {
  const times = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    commands.forEach(([file, args], k) => {
      const t0 = process.hrtime.bigint();
      execFileSync(file, args, { cwd: root, env, stdio: 'pipe' });
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  }
  return times.map(median);
}

export function startupBench({ dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-')), runs = 10 } = {}) {
  const env = { ...process.env, TAHO_DATA_DIR: dataDir, NO_COLOR: '1' };
  const taho = join(root, 'bin', 'taho');
  // What `taho` runs on: the Node npm pinned, not necessarily the one running this script.
  const node = join(root, 'node_modules', 'node', 'bin', 'node');
  execFileSync(taho, ['invoke', 'example/hello', 'greet', 'warm'], { cwd: root, env, stdio: 'pipe' }); // warm the transpile cache
  const [nodeMs, versionMs, invokeMs] = wall([[node, ['-e', '0']], [taho, ['--version']], [taho, ['invoke', 'example/hello', 'greet', 'World']]], env, runs);
  const row = (label, ms) => [label, `${ms.toFixed(0)} ms`, `${nodeMs.toFixed(0)} ms (node -e 0)`, `${(ms - nodeMs).toFixed(0)} ms ours`, (ms / nodeMs).toFixed(2)];
  return [row('`taho --version` wall (bin/taho on PATH)', versionMs), row('`taho invoke example/hello greet World` wall (bin/taho, warm cache)', invokeMs)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of startupBench()) process.stdout.write(`${r.join(' | ')}\n`);
}
