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

// ---- cart (a durable agent with structured state: records, variants, options, lists) ---------
{
  const fresh = await load('cart');
  const { instance: cart, memory } = fresh();
  const errText = (e) => `${e instanceof Error ? e.constructor.name : typeof e} ${show(e instanceof Error ? e.message : e)}${e?.payload !== undefined ? ` payload ${show(e.payload)}` : ''}`;
  const errIs = (want) => (e) => isDeepStrictEqual(e?.payload ?? e, want);
  const apple = { sku: 'apple', qty: 2, priceCents: 150n };
  check('items() (empty)', cart.items(), []);
  check('total() (empty)', cart.total(), 0n);
  checkThrows('checkout() (empty)', () => cart.checkout(), errText, errIs('cart is empty'));
  check('addItem(apple ×2 @150)', cart.addItem(apple), 1);
  check("addItem('pâté 🥖' ×1 @999)", cart.addItem({ sku: 'pâté 🥖', qty: 1, priceCents: 999n }), 2);
  check("addItem('' ×3 @0) (an empty sku is a sku)", cart.addItem({ sku: '', qty: 3, priceCents: 0n }), 3);
  check('addItem(apple ×5 @140) (same sku: adds qty, takes the new price)', cart.addItem({ ...apple, qty: 5, priceCents: 140n }), 3);
  checkThrows("addItem('pear' ×0)", () => cart.addItem({ sku: 'pear', qty: 0, priceCents: 1n }), errText, errIs({ tag: 'bad-quantity', val: 0 }));
  checkThrows('addItem(apple ×4294967295) (qty past u32)', () => cart.addItem({ ...apple, qty: 4294967295 }), errText, errIs({ tag: 'bad-quantity', val: 4294967295 }));
  checkThrows("addItem('x' * 241)", () => cart.addItem({ sku: 'x'.repeat(241), qty: 1, priceCents: 1n }), errText, errIs({ tag: 'sku-too-long', val: 241 }));
  check("find('apple')", cart.find('apple'), { sku: 'apple', qty: 7, priceCents: 140n });
  check("find('pâté 🥖')", cart.find('pâté 🥖'), { sku: 'pâté 🥖', qty: 1, priceCents: 999n });
  check("find('appl')", cart.find('appl'), undefined);
  check("find('apples')", cart.find('apples'), undefined);
  check('items() (insertion order)', cart.items(), [
    { sku: 'apple', qty: 7, priceCents: 140n }, { sku: 'pâté 🥖', qty: 1, priceCents: 999n }, { sku: '', qty: 3, priceCents: 0n },
  ]);
  check('total()', cart.total(), 7n * 140n + 999n);
  checkThrows("removeItem('kiwi')", () => cart.removeItem('kiwi'), errText, errIs({ tag: 'unknown-sku', val: 'kiwi' }));
  check("removeItem('')", cart.removeItem(''), undefined);
  checkThrows("removeItem('') again", () => cart.removeItem(''), errText, errIs({ tag: 'unknown-sku', val: '' }));
  check("addItem('fig' ×1 @5)", cart.addItem({ sku: 'fig', qty: 1, priceCents: 5n }), 3);
  check("removeItem('apple') (the first line)", cart.removeItem('apple'), undefined);
  check('items() after removals', cart.items().map((i) => i.sku), ['pâté 🥖', 'fig']);

  // Snapshot: save, load into a fresh instance, and the same cart answers there.
  check("addItem('apple' ×2 @150)", cart.addItem(apple), 3);
  const saved = cart['golem:api/save-snapshot@1.1.7'].save();
  const enc = new TextEncoder();
  const line = (sku, qty, price) => {
    const s = enc.encode(sku);
    const b = new Uint8Array(16 + s.length);
    const v = new DataView(b.buffer);
    v.setUint32(0, s.length, true);
    b.set(s, 4);
    v.setUint32(4 + s.length, qty, true);
    v.setBigUint64(8 + s.length, price, true);
    return b;
  };
  const snapshot = (count, ...lines) => {
    const head = new Uint8Array(8);
    head.set(enc.encode('CART'));
    new DataView(head.buffer).setUint32(4, count, true);
    return Uint8Array.from(Buffer.concat([head, ...lines]));
  };
  check('save() (CART, 3 lines, each: len sku qty price)', saved, snapshot(3, line('pâté 🥖', 1, 999n), line('fig', 1, 5n), line('apple', 2, 150n)));
  const { instance: restored } = fresh();
  check('load(saved) (fresh instance)', restored.loadSnapshot.load(saved), undefined);
  check('items() after load', restored.items(), cart.items());
  check('total() after load', restored.total(), 999n + 5n + 300n);
  check('save() after load (same bytes)', restored.saveSnapshot.save(), saved);
  const refuses = (label, bytes) => checkThrows(`load(${label})`, () => restored.loadSnapshot.load(bytes), errText, errIs('malformed snapshot'));
  refuses('3 bytes', Uint8Array.of(1, 2, 3));
  refuses('wrong magic', snapshot(0).map((b, i) => (i === 0 ? 0x58 : b)));
  refuses('a line short', saved.subarray(0, saved.length - 1));
  refuses('a byte too many', Uint8Array.from([...saved, 0]));
  refuses('count 2 with 3 lines', Uint8Array.from([...snapshot(2), ...saved.subarray(8)]));
  refuses('257 lines', snapshot(257));
  refuses('a duplicate sku', snapshot(2, line('a', 1, 1n), line('a', 1, 1n)));
  refuses('qty 0', snapshot(1, line('a', 0, 1n)));
  refuses('a 241-byte sku', snapshot(1, line('y'.repeat(241), 1, 1n)));
  refuses('a sku that is not UTF-8 (lone continuation byte)', snapshot(1, Uint8Array.of(1, 0, 0, 0, 0x80, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0)));
  refuses('a sku that is not UTF-8 (surrogate)', snapshot(1, Uint8Array.of(3, 0, 0, 0, 0xed, 0xa0, 0x80, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0)));
  check('items() after refused loads (unchanged)', restored.items(), cart.items());
  check('load(empty cart)', restored.loadSnapshot.load(snapshot(0)), undefined);
  check('items() after loading an empty cart', restored.items(), []);

  check('checkout()', cart.checkout(), 1304n);
  check('items() after checkout', cart.items(), []);
  checkThrows('checkout() again', () => cart.checkout(), errText, errIs('cart is empty'));

  // Overflow: a total past u64 saturates, and checkout refuses it (keeping the cart).
  check('addItem(big ×2 @2^63)', cart.addItem({ sku: 'big', qty: 2, priceCents: 2n ** 63n }), 1);
  check('total() (overflows: saturates)', cart.total(), 2n ** 64n - 1n);
  checkThrows('checkout() (overflows)', () => cart.checkout(), errText, errIs('total overflows u64'));
  check('addItem(big ×4294967293 @1) (qty to u32 max)', cart.addItem({ sku: 'big', qty: 4294967293, priceCents: 1n }), 1);
  check('total() (u32 max × 1)', cart.total(), 4294967295n);
  check("removeItem('big')", cart.removeItem('big'), undefined);

  // A full cart: 256 lines of 100-byte skus, then the 257th is refused; all survive a snapshot.
  const sku = (i) => `${String(i).padStart(4, '0')}-${'é'.repeat(47)}-`; // 100 bytes
  let lines = 0;
  for (let i = 0; i < 256; i += 1) lines = cart.addItem({ sku: sku(i), qty: i + 1, priceCents: BigInt(i) });
  check('addItem × 256 (100-byte skus)', lines, 256);
  checkThrows('addItem (a 257th sku)', () => cart.addItem({ sku: 'one too many', qty: 1, priceCents: 1n }), errText, errIs({ tag: 'full' }));
  check('addItem (an existing sku of a full cart)', cart.addItem({ sku: sku(255), qty: 1, priceCents: 255n }), 256);
  const want = Array.from({ length: 256 }, (_, i) => ({ sku: sku(i), qty: i === 255 ? 257 : i + 1, priceCents: BigInt(i) }));
  check('items() (256 lines)', cart.items(), want);
  check('find(sku(200))', cart.find(sku(200)), want[200]);
  check('total() (256 lines)', cart.total(), want.reduce((s, it) => s + BigInt(it.qty) * it.priceCents, 0n));
  const full = cart.saveSnapshot.save();
  const { instance: again } = fresh();
  check('load(a 256-line snapshot) (fresh instance)', again.loadSnapshot.load(full), undefined);
  check('items() after load (256 lines)', again.items(), want);
  check("removeItem(sku(0)), then items()'s first sku", (again.removeItem(sku(0)), again.items()[0].sku), sku(1));

  const huge = 'z'.repeat(300_000); // past the 3 pages the module starts with: the heap grows
  check("find('z' * 300000)", again.find(huge), undefined);
  checkThrows("removeItem('z' * 300000)", () => again.removeItem(huge), errText, errIs({ tag: 'unknown-sku', val: huge }));
  check('items() after the heap grew', again.items().length, 255);

  const before = memory();
  for (let i = 0; i < 2_000; i += 1) {
    cart.items();
    cart.find(sku(i % 256));
    cart.saveSnapshot.save();
    cart.addItem({ sku: sku(i % 256), qty: 1, priceCents: BigInt(i % 256) });
  }
  check('memory after 8000 more allocating calls (bytes, unchanged)', memory(), before);
}

rmSync(scratch, { recursive: true, force: true });
console.log(failures === 0 ? '\nall checks passed' : `\n${failures} check(s) failed`);
process.exitCode = failures === 0 ? 0 : 1;
