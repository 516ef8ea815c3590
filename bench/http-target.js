// One HTTP server for the HTTP benchmark, in its own process so the load generator does not
// share its event loop: `raw` is a bare node:http handler doing the same JSON work (parse the body,
// call the transpiled greet, write {"result": …}); `inline` and `worker` are taho's own route.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../dist/core/config/load.js';
import { createRuntime } from '../dist/core/runtime.js';
import { ComponentLoader } from '../dist/core/components/loader.js';
import { buildApp } from '../dist/server/app.js';
import { hash } from '@node-rs/argon2';
import { BENCH_KEY } from './http.js';

const [mode, dataDir] = process.argv.slice(2);
// `auth`: inline with api_key auth on, every request carrying the key (see http.js).
const auth = mode === 'auth'
  ? { 'http.auth.mode': 'api_key', 'http.auth.api_key_hash': await hash(BENCH_KEY, { algorithm: 2 }) }
  : {};
const { config } = loadConfig({ cwd: process.cwd(), env: {}, flags: { data_dir: dataDir, 'http.port': 0, ...auth } });
// `default`: the configured isolation (worker threads for services and agents).
const runtime = createRuntime(config, mode === 'default' ? {} : { isolation: mode === 'worker' ? 'worker' : 'inline' });
await runtime.services.call('example', 'hello', 'greet', 'warm');

let port;
if (mode === 'raw') {
  const entry = runtime.registry.get('example', 'hello');
  const exports = await new ComponentLoader({ cacheDir: join(dataDir, 'cache', 'components') }).instantiate(entry);
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const name = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const body = JSON.stringify({ result: exports.greet(name) });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
} else {
  const app = await buildApp({ runtime, version: 'bench', configView: () => ({ file: null, entries: [] }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = app.server.address().port;
}
process.stdout.write(`${port}\n`);
process.on('SIGTERM', () => process.exit(0));
