// Rebuilds the example job modules (WASI preview1 core modules, not components) from their WAT,
// deterministically, so a test can check the committed .wasm files are what the sources say.
//
//   node examples/jobs/build.mjs           writes jobs/wasm/<name>.wasm for every jobs/src/<name>.wat
//   node examples/jobs/build.mjs --check   builds in memory; exit 1 naming any committed .wasm that differs
//
// The module keeps its `name` section (the WAT's $identifiers) so traps read well; `producers`
// is dropped as in ../build.mjs so a jco upgrade alone does not change the bytes.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { buildCli, stripCustomSections } from '../build.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Builds every `src/<name>.wat` into `wasm/<name>.wasm` (sorted by name). Not `jobs/<name>.wasm`:
 * examples/ is a component repository, where `<domain>/<service>.wasm` must be a component.
 */
export async function buildJobExamples({ write = false } = {}) {
  const built = [];
  for (const file of readdirSync(join(here, 'src')).filter((f) => f.endsWith('.wat')).sort()) {
    const bytes = stripCustomSections(await parse(readFileSync(join(here, 'src', file), 'utf8')));
    const path = join(here, 'wasm', file.replace(/\.wat$/, '.wasm'));
    if (write) writeFileSync(path, bytes);
    built.push({ path, bytes });
  }
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli(buildJobExamples, 'examples/jobs/build.mjs');
