// Rebuilds the example components from their WAT and WIT sources, deterministically, so a test
// can check the committed .wasm files are what the sources say.
//
//   node examples/build.mjs           writes example/<service>.wasm for every src/<service>/
//   node examples/build.mjs --check   builds in memory; exit 1 naming any committed .wasm that differs
//
// Each src/<service>/ holds <service>.wat (a core module, canonical ABI by hand) and <service>.wit
// (package example:<service>, world <service>; WASI packages it imports are nested in the same file).
// Pipeline: parse WAT -> embed WIT (utf8) -> new component -> drop two custom sections:
// `producers` (it carries the wit-component version, so a jco upgrade alone would change the bytes)
// and `component-name` (debug labels wit-component synthesises; a quarter of calculator.wasm).
// The core module keeps its `name` section (the WAT's $identifiers), so traps and disassembly read well.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco-transpile/wasm-tools';

const here = fileURLToPath(new URL('.', import.meta.url));
const DOMAIN = 'example';

/** Builds every `src/<service>/<service>.{wat,wit}` into `example/<service>.wasm` (sorted by service). */
export async function buildExamples({ write = false } = {}) {
  const built = [];
  for (const service of readdirSync(join(here, 'src')).sort()) {
    const dir = join(here, 'src', service);
    const core = await parse(readFileSync(join(dir, `${service}.wat`), 'utf8'));
    const embedded = await componentEmbed({
      binary: core,
      witSource: readFileSync(join(dir, `${service}.wit`), 'utf8'),
      world: service,
      stringEncoding: 'utf8',
    });
    const bytes = stripCustomSections(await componentNew(embedded));
    const path = join(here, DOMAIN, `${service}.wasm`);
    if (write) writeFileSync(path, bytes);
    built.push({ path, bytes });
  }
  return built;
}

const STRIPPED = new Set(['producers', 'component-name']);

/** Removes the STRIPPED custom sections from a module or component, recursing into nested ones. */
export function stripCustomSections(bytes) {
  const out = [bytes.subarray(0, 8)];
  const isComponent = bytes[4] === 0x0d; // layer/version 0x0d 0x00 0x01 0x00; a core module has 0x01 0 0 0
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, sizeLen] = leb(bytes, at + 1);
    const start = at + 1 + sizeLen;
    let payload = bytes.subarray(start, start + size);
    at = start + size;
    if (id === 0) {
      const [nameLen, n] = leb(payload, 0);
      if (STRIPPED.has(new TextDecoder().decode(payload.subarray(n, n + nameLen)))) continue;
    } else if (isComponent && (id === 1 || id === 4)) {
      payload = stripCustomSections(payload); // 1 = core module, 4 = nested component
    }
    out.push(Uint8Array.of(id), encodeLeb(payload.length), payload);
  }
  return Buffer.concat(out);
}

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = bytes[i++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, i - at];
  }
}

function encodeLeb(value) {
  const out = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return Uint8Array.from(out);
}

/** The command line of a build script: write the files, or with --check name those that differ. */
export async function buildCli(build, script) {
  const check = process.argv.includes('--check');
  const built = await build({ write: !check });
  const stale = [];
  for (const { path, bytes } of built) {
    let committed;
    try {
      committed = readFileSync(path);
    } catch {
      committed = Buffer.alloc(0);
    }
    if (check && Buffer.compare(committed, Buffer.from(bytes)) !== 0) stale.push(path);
    else process.stdout.write(`${path} ${bytes.length} B\n`);
  }
  for (const path of stale) process.stderr.write(`STALE ${path}: differs from its sources; run: node ${script}\n`);
  if (stale.length > 0) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli(buildExamples, 'examples/build.mjs');
