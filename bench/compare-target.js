// One server of the A/B comparison (bench/compare.js), built from the tree given: the embedded
// paths only (services inline, agents, town without its dispatcher, jobs), on loopback.
// Usage: node bench/compare-target.js <tree> <dataDir>. Prints the port; SIGTERM stops it.
// BENCH_ISOLATION=worker runs services and agents in worker threads (the server's default).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [tree, dataDir] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(join(tree, 'dist', p)).href);
const { loadConfig } = await load('core/config/load.js');
const { createRuntime } = await load('core/runtime.js');
const { buildApp } = await load('server/app.js');
const { config } = loadConfig({ cwd: tree, env: {}, flags: { data_dir: dataDir, 'http.port': 0 } });
const runtime = createRuntime(config, { isolation: process.env.BENCH_ISOLATION === 'worker' ? 'worker' : 'inline' });
await runtime.services.call('example', 'hello', 'greet', 'warm');
// The same calls on both trees: awaiting a value that is not a promise is a no-op on the old one.
await runtime.startJobs();
const app = await buildApp({ runtime, version: 'bench', configView: () => ({ file: null, entries: [] }) });
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${app.server.address().port}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await runtime.close();
  process.exit(0);
});
