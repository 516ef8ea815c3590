// Rebuilds the example wasi:cli command component from its WAT and WIT, deterministically, so a
// test can check the committed .wasm file is what the sources say.
//
//   node examples/jobs/build-cli.mjs           writes jobs/wasm/<name>.wasm for every jobs/src/<name>/
//   node examples/jobs/build-cli.mjs --check   builds in memory; exit 1 naming any committed .wasm that differs
//
// Each src/<name>/ holds <name>.wat (a core module, canonical ABI by hand) and <name>.wit (world
// <name>; the WASI packages it uses nested in the same file). The pipeline is ../build.mjs's:
// parse WAT -> embed WIT (utf8) -> new component -> drop `producers` and `component-name`.
// Output goes to wasm/, not to a `<domain>/<service>.wasm` of examples/ (a component repository):
// this is a job's entry module, not a service. The single .wat files beside those directories are
// WASI preview1 core modules, built by ./build.mjs.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { buildCli, stripCustomSections } from '../build.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Builds every `src/<name>/<name>.{wat,wit}` into `wasm/<name>.wasm` (sorted by name). */
export async function buildCliJobExamples({ write = false } = {}) {
  const built = [];
  const names = readdirSync(join(here, 'src')).filter((f) => statSync(join(here, 'src', f)).isDirectory()).sort();
  for (const name of names) {
    const dir = join(here, 'src', name);
    const core = await parse(readFileSync(join(dir, `${name}.wat`), 'utf8'));
    const embedded = await componentEmbed({
      binary: core,
      witSource: readFileSync(join(dir, `${name}.wit`), 'utf8'),
      world: name,
      stringEncoding: 'utf8',
    });
    const bytes = stripCustomSections(await componentNew(embedded));
    const path = join(here, 'wasm', `${name}.wasm`);
    if (write) writeFileSync(path, bytes);
    built.push({ path, bytes });
  }
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli(buildCliJobExamples, 'examples/jobs/build-cli.mjs');
