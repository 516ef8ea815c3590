// Rebuilds the example components from their WAT and WIT sources, deterministically, so a test
// can check the committed .wasm files are what the sources say. `--check` compares instead of writing.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco-transpile/wasm-tools';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Builds every `src/<service>/<service>.{wat,wit}` into `example/<service>.wasm`. */
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
    const bytes = await componentNew(embedded);
    const path = join(here, 'example', `${service}.wasm`);
    if (write) writeFileSync(path, bytes);
    built.push({ path, bytes });
  }
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const built = await buildExamples({ write: !check });
  let stale = 0;
  for (const { path, bytes } of built) {
    const same = check ? Buffer.compare(readFileSync(path), Buffer.from(bytes)) === 0 : true;
    if (!same) stale += 1;
    process.stdout.write(`${same ? '' : 'STALE '}${path} ${bytes.length} B\n`);
  }
  if (stale > 0) {
    process.stderr.write(`${stale} example(s) differ from their sources; run: node examples/build.mjs\n`);
    process.exitCode = 1;
  }
}
