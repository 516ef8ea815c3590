// Calls every export of the committed example components through jco's generated bindings and
// checks the answers: `node examples/verify.mjs` prints each call and its result, exit 1 on a mismatch.
// Each component is transpiled (jco-transpile, sync instantiation) into a temporary directory,
// its core modules compiled here and instantiated with `instantiate(getCoreModule, imports)`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect, isDeepStrictEqual } from 'node:util';
import { transpileBytes } from '@bytecodealliance/jco-transpile';

const here = fileURLToPath(new URL('.', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'taho-examples-'));
writeFileSync(join(scratch, 'package.json'), '{"type":"module"}\n');
let failures = 0;

const show = (v) => inspect(v, { depth: 4, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 40 });

/** Transpiles example/<service>.wasm; returns a factory for fresh instances (and their core instances). */
async function load(service) {
  const result = await transpileBytes(readFileSync(join(here, 'example', `${service}.wasm`)), {
    name: service,
    instantiation: 'sync',
  });
  const dir = join(scratch, service);
  for (const [file, bytes] of Object.entries(result.files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), bytes);
  }
  const { instantiate } = await import(pathToFileURL(join(dir, `${service}.js`)).href);
  const modules = new Map();
  const getCoreModule = (path) => {
    if (!modules.has(path)) modules.set(path, new WebAssembly.Module(readFileSync(join(dir, path))));
    return modules.get(path);
  };
  console.log(`\n== example/${service}: imports ${show(result.imports)}, exports ${show(result.exports.map(([n]) => n))}`);
  return (imports = {}) => {
    const cores = [];
    const instance = instantiate(getCoreModule, imports, (module, importObject) => {
      const core = new WebAssembly.Instance(module, importObject);
      cores.push(core);
      return core;
    });
    const memory = () => cores.find((c) => c.exports.memory)?.exports.memory.buffer.byteLength;
    return { instance, memory };
  };
}

function check(label, got, want) {
  const ok = isDeepStrictEqual(got, want);
  if (!ok) failures += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label} = ${show(got)}${ok ? '' : `   (expected ${show(want)})`}`);
}

/** Calls `fn` expecting it to throw; checks the thrown value with `test` and prints it. */
function checkThrows(label, fn, describe, test) {
  try {
    const got = fn();
    failures += 1;
    console.log(`FAIL ${label} returned ${show(got)}   (expected a throw)`);
  } catch (e) {
    const ok = test(e);
    if (!ok) failures += 1;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${label} throws ${describe(e)}`);
  }
}

const isTrap = (e) => e instanceof WebAssembly.RuntimeError;
const trapText = (e) => `${e?.constructor?.name}: ${e?.message}`;

// ---- hello -----------------------------------------------------------------------------------
{
  const fresh = await load('hello');
  const { instance: hello, memory } = fresh();
  check("greet('World')", hello.greet('World'), 'Hello, World!');
  check("greet('')", hello.greet(''), 'Hello, !');
  check("greet('héllo 🌍')", hello.greet('héllo 🌍'), 'Hello, héllo 🌍!');
  const big = 'x'.repeat(200_000);
  check("greet('x' * 200000)", hello.greet(big), `Hello, ${big}!`);
  const before = memory();
  for (let i = 0; i < 20_000; i += 1) hello.greet(big.slice(0, 1000));
  check('memory after 20000 more greets (bytes, unchanged)', memory(), before);
}

// ---- calculator ------------------------------------------------------------------------------
{
  const fresh = await load('calculator');
  const { instance: calc, memory } = fresh();
  check('add(2, 3)', calc.add(2, 3), 5);
  check('add(-7, 3)', calc.add(-7, 3), -4);
  check('add(2147483647, 1) (wraps)', calc.add(2147483647, 1), -2147483648);

  check('div(7, 2)', calc.div(7, 2), 3);
  check('div(-7, 2)', calc.div(-7, 2), -3);
  const errText = (e) => `${e instanceof Error ? e.constructor.name : typeof e} ${show(e instanceof Error ? e.message : e)}${e?.payload !== undefined ? ` payload ${show(e.payload)}` : ''}`;
  checkThrows('div(1, 0)', () => calc.div(1, 0), errText, (e) => e === 'division by zero' || e?.payload === 'division by zero');
  checkThrows('div(-2147483648, -1)', () => calc.div(-2147483648, -1), errText, (e) => e === 'overflow' || e?.payload === 'overflow');
  check('add(1, 1) after err results (no trap)', calc.add(1, 1), 2);

  check('translate({ x: 1, y: 2 }, 10, -5)', calc.translate({ x: 1, y: 2 }, 10, -5), { x: 11, y: -3 });

  check('sumList([1n, 2n, 3n])', calc.sumList([1n, 2n, 3n]), 6n);
  check('sumList([])', calc.sumList([]), 0n);
  check('sumList([2n ** 53n + 1n, 1n])', calc.sumList([2n ** 53n + 1n, 1n]), 2n ** 53n + 2n);
  check('sumList(BigInt64Array [-5n, 2n, 2n ** 62n])', calc.sumList(BigInt64Array.from([-5n, 2n, 2n ** 62n])), 2n ** 62n - 3n);

  check('first([7, 8])', calc.first([7, 8]), 7);
  check('first([-1])', calc.first([-1]), -1);
  check('first([])', calc.first([]), undefined);

  check('orZero(5)', calc.orZero(5), 5);
  check('orZero(undefined)', calc.orZero(undefined), 0);
  check('orZero(null)', calc.orZero(null), 0);

  check('minMax([3, -1, 9, 2])', calc.minMax([3, -1, 9, 2]), [-1, 9]);
  check('minMax([])', calc.minMax([]), [0, 0]);

  check("swap(['héllo', 42])", calc.swap(['héllo', 42]), [42, 'héllo']);
  check("swap(['', 4294967295])", calc.swap(['', 4294967295]), [4294967295, '']);

  check("area({ tag: 'circle', val: 2 })", calc.area({ tag: 'circle', val: 2 }), 3.141592653589793 * 2 * 2);
  check("area({ tag: 'rectangle', val: { x: 3, y: 4 } })", calc.area({ tag: 'rectangle', val: { x: 3, y: 4 } }), 12);
  check("scale({ tag: 'circle', val: 1.5 }, 2)", calc.scale({ tag: 'circle', val: 1.5 }, 2), { tag: 'circle', val: 3 });
  check("scale({ tag: 'rectangle', val: { x: 3, y: -4 } }, 2.5)", calc.scale({ tag: 'rectangle', val: { x: 3, y: -4 } }, 2.5), { tag: 'rectangle', val: { x: 7, y: -10 } });

  check("nextColor('red')", calc.nextColor('red'), 'green');
  check("nextColor('green')", calc.nextColor('green'), 'blue');
  check("nextColor('blue')", calc.nextColor('blue'), 'red');

  check('toggleExec({ read: true })', calc.toggleExec({ read: true }), { read: true, write: false, exec: true });
  check('toggleExec({ read: true, write: true, exec: true })', calc.toggleExec({ read: true, write: true, exec: true }), { read: true, write: true, exec: false });
  check('toggleExec({})', calc.toggleExec({}), { read: false, write: false, exec: true });

  check('reverseBytes(Uint8Array [1, 2, 3])', calc.reverseBytes(Uint8Array.of(1, 2, 3)), Uint8Array.of(3, 2, 1));
  check('reverseBytes(Uint8Array [])', calc.reverseBytes(new Uint8Array(0)), new Uint8Array(0));
  const big = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251);
  check('reverseBytes(300000 bytes) matches', calc.reverseBytes(big), big.slice().reverse());

  check('clampU8(-5)', calc.clampU8(-5), 0);
  check('clampU8(128)', calc.clampU8(128), 128);
  check('clampU8(300)', calc.clampU8(300), 255);

  check('isEven(0n)', calc.isEven(0n), true);
  check('isEven(3n)', calc.isEven(3n), false);
  check('isEven(2n ** 64n - 2n)', calc.isEven(2n ** 64n - 2n), true);

  check('countdown(3)', calc.countdown(3), Uint32Array.of(3, 2, 1));
  check('countdown(0)', calc.countdown(0), new Uint32Array(0));
  check('countdown(10000)', calc.countdown(10000), Uint32Array.from({ length: 10000 }, (_, i) => 10000 - i));
  check('spin(1000n)', calc.spin(1000n), 1000n);

  const before = memory();
  for (let i = 0; i < 20_000; i += 1) {
    calc.reverseBytes(big.subarray(0, 1000));
    calc.countdown(100);
    calc.swap(['abc', i]);
    calc.sumList([1n, 2n]);
  }
  check('memory after 80000 more allocating calls (bytes, unchanged)', memory(), before);

  checkThrows('crash()', () => calc.crash(), trapText, isTrap);
  // jco marks the instance as trapped: every later call is refused, so a host must re-instantiate.
  checkThrows('add(1, 2) on the same instance after the trap', () => calc.add(1, 2), trapText, (e) => isTrap(e) && /cannot enter component instance/.test(e.message));

  const { instance: calc2 } = fresh();
  checkThrows('countdown(10001) (fresh instance)', () => calc2.countdown(10001), trapText, isTrap);
  check('add(1, 2) on a fresh instance after another instance trapped', fresh().instance.add(1, 2), 3);
}

// ---- clock -----------------------------------------------------------------------------------
{
  const fresh = await load('clock');
  const randoms = [41n, 2n ** 64n - 1n, 0n];
  let next = 0;
  const host = {
    'wasi:clocks/wall-clock': {
      now: () => ({ seconds: 1_700_000_000n, nanoseconds: 123 }),
      resolution: () => ({ seconds: 0n, nanoseconds: 1 }),
    },
    'wasi:random/random': {
      getRandomU64: () => randoms[next++ % randoms.length],
      getRandomBytes: (len) => new Uint8Array(Number(len)),
    },
  };
  const read = new Set();
  const imports = new Proxy(host, { get: (t, k) => (read.add(String(k)), t[k]) });
  const { instance: clock } = fresh(imports);
  check('import keys the generated code reads', [...read].sort(), ['wasi:clocks/wall-clock', 'wasi:random/random']);
  check('seconds()', clock.seconds(), 1_700_000_000n);
  check('roll(6) with random 41n', clock.roll(6), 6);
  check('roll(6) with random 2n ** 64n - 1n', clock.roll(6), Number(((2n ** 64n - 1n) % 6n) + 1n));
  check('roll(1) with random 0n', clock.roll(1), 1);
  checkThrows('roll(0)', () => clock.roll(0), trapText, isTrap);
  checkThrows('seconds() on the same instance after the trap', () => clock.seconds(), trapText, isTrap);
  checkThrows(
    'instantiate with only versioned keys (wasi:clocks/wall-clock@0.2.3, …)',
    () => fresh({ 'wasi:clocks/wall-clock@0.2.3': host['wasi:clocks/wall-clock'], 'wasi:random/random@0.2.3': host['wasi:random/random'] }),
    (e) => `${e.constructor.name}: ${e.message}`,
    (e) => e instanceof TypeError,
  );
}

// ---- counter (a durable agent's state, with Golem's snapshot interfaces) ---------------------
{
  const fresh = await load('counter');
  const host = {
    'wasi:clocks/wall-clock': { now: () => ({ seconds: 42n, nanoseconds: 0 }), resolution: () => ({ seconds: 0n, nanoseconds: 1 }) },
    'wasi:random/random': { getRandomU64: () => 7n, getRandomBytes: (len) => new Uint8Array(Number(len)) },
  };
  const { instance: counter } = fresh(host);
  check('increment(5n)', counter.increment(5n), 5n);
  check('increment(2n ** 63n)', counter.increment(2n ** 63n), 2n ** 63n + 5n);
  check('observe() with now 42s, random 7n (adds 1)', counter.observe(), [42n, 7n]);
  check('get()', counter.get(), 2n ** 63n + 6n);
  const saved = counter['golem:api/save-snapshot@1.1.7'].save();
  check("['golem:api/save-snapshot@1.1.7'].save()", saved, new Uint8Array(new BigUint64Array([2n ** 63n + 6n]).buffer));
  check('saveSnapshot.save (alias)', counter.saveSnapshot.save, counter['golem:api/save-snapshot@1.1.7'].save);
  const { instance: restored } = fresh(host);
  check("['golem:api/load-snapshot@1.1.7'].load(saved) (fresh instance)", restored['golem:api/load-snapshot@1.1.7'].load(saved), undefined);
  check('get() after load', restored.get(), 2n ** 63n + 6n);
  checkThrows('load(3 bytes)', () => restored.loadSnapshot.load(Uint8Array.of(1, 2, 3)), (e) => `${typeof e} ${show(e)}`, (e) => e === '');
}

rmSync(scratch, { recursive: true, force: true });
console.log(failures === 0 ? '\nall checks passed' : `\n${failures} check(s) failed`);
process.exitCode = failures === 0 ? 0 : 1;
