// Bundles the Ink dashboard (dist/ui/dashboard.js, its React and Ink) into one file: importing
// ink's many modules costs ~0.6 s on a cold start, one bundled file a fraction of it, so
// `tt status` shows its first frame sooner. Run by `npm run build`.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/ui/dashboard.js'],
  outfile: 'dist/ui/dashboard.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // taho's own client modules stay where they are (one copy of each, next to the bundle in dist/).
  external: ['../client/*'],
  // ink imports React's dev tools only when DEV=true; a stub keeps the bundle self-contained.
  // Ink's CI check would freeze the live dashboard of anyone with CI set in their shell.
  alias: { 'react-devtools-core': './scripts/devtools-stub.mjs', 'is-in-ci': './scripts/not-in-ci.mjs' },
  // Bundled CommonJS (React) calls require(); ESM output needs one.
  banner: { js: "import { createRequire as __taho_cr } from 'node:module'; const require = __taho_cr(import.meta.url);" },
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
