// The first call of a component the server has never seen (#19: ≤ 150 ms, transpile included):
// a running `taho serve` gets new bytes (a custom section makes each upload a new version, so
// nothing is cached), then the first invoke is timed, then a second one as the same-run baseline.
// Two cases: a server that has been up a while (its start-up work done) and one just started.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

const root = resolve(import.meta.dirname, '..');
const hello = readFileSync(join(root, 'examples', 'example', 'hello.wasm'));

/** hello.wasm plus a custom section: the same component, a version no cache has seen. */
function fresh() {
  const name = Buffer.from('taho-bench');
  const payload = Buffer.concat([Buffer.from([name.length]), name, randomBytes(16)]);
  return Buffer.concat([hello, Buffer.from([0, payload.length]), payload]);
}

async function serve(dataDir) {
  const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'serve', '--port', '0'], { env: { ...process.env, TAHO_DATA_DIR: dataDir, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'ignore'] });
  let seen = '';
  let url;
  while (!url) {
    const [chunk] = await once(child.stdout, 'data');
    seen += chunk;
    url = /listening on (http:\/\/[^\s]+)/.exec(seen)?.[1];
  }
  return { child, url };
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, r];
}

/** Upload, then call at once: `first` is upload → first answer, so the start of the component (its transpile included) is in it. */
async function firstAndSecond(url, n) {
  const name = `bench/fresh${n}`;
  const call = () => fetch(`${url}/api/services/bench/fresh${n}/invoke/greet`, { method: 'POST', body: '"World"', headers: { 'content-type': 'application/json' } }).then((r) => r.json());
  const [first, r] = await timed(async () => {
    const up = await fetch(`${url}/v1/components?name=${encodeURIComponent(name)}`, { method: 'POST', body: fresh(), headers: { 'content-type': 'application/wasm' } });
    if (!up.ok) throw new Error(`upload answered ${up.status}: ${await up.text()}`);
    return call();
  });
  if (r.result !== 'Hello, World!') throw new Error(`unexpected answer ${JSON.stringify(r)}`);
  const [second] = await timed(call);
  return { first, second };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function firstCallBench(rounds = 5) {
  const running = [];
  const justStarted = [];
  for (let i = 0; i < rounds; i++) {
    const { child, url } = await serve(mkdtempSync(join(tmpdir(), 'taho-bench-first-')));
    try {
      justStarted.push(await firstAndSecond(url, `a${i}`));
      // "Up a while": the server's start-up work is done and it has served other components.
      await new Promise((r) => setTimeout(r, 1500));
      running.push(await firstAndSecond(url, `b${i}`));
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
  const row = (label, xs) => {
    const f = xs.map((x) => x.first);
    const s = xs.map((x) => x.second);
    return [label, `${median(f).toFixed(0)} ms (min ${Math.min(...f).toFixed(0)}, max ${Math.max(...f).toFixed(0)})`, `${median(s).toFixed(1)} ms (its second call)`, '', (median(f) / median(s)).toFixed(1)];
  };
  return [
    row('upload → first answer of a never-seen component, server up a while (target ≤ 150 ms)', running),
    row('upload → first answer of a never-seen component, server just started', justStarted),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await firstCallBench(Number(process.argv[2] ?? 3)));
