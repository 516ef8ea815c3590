#!/usr/bin/env node
// The one entry of both bins, `taho` and `tt`.
import { basename } from 'node:path';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `Error: taho needs Node.js 22 or newer; this is ${process.version}.\n` +
      'Hint: run bin/taho (or put it on PATH): it starts on the Node the repository pins; or install Node 22+.\n',
  );
  process.exit(1);
}

// `taho … | head` closes the pipe early: that is the reader being done, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// `--version` is what scripts and people run to check an install: answered before oclif loads
// (which costs about twice a bare Node start), in oclif's own words.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`taho/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
  process.exit(0);
}

// Node keeps the compiled code of taho's modules on disk (Node ≥ 22.1): every later start skips
// most of the parsing and compiling that dominates a CLI's start-up.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();

const { Config, flush, handle, run } = await import('@oclif/core');
const config = await Config.load({ root: import.meta.dirname });
// oclif names itself after `oclif.bin` even when started as an alias; help must show the name typed.
// The launcher on PATH (bin/taho, bin/tt) says which name was typed; it is not passed on to children.
const called = process.env.TAHO_BIN_NAME || basename(process.argv[1] ?? '');
delete process.env.TAHO_BIN_NAME;
if ((config.pjson.oclif.binAliases ?? []).includes(called)) {
  config.bin = called;
  config.pjson.oclif.bin = called;
}
try {
  await run(args, config);
  await flush();
} catch (err) {
  await handle(err);
}
