// How many HTTP requests one CLI command sends to a server: `taho agents invoke … --url` goes
// through a counting proxy in front of a real `taho serve`. A count, not a time: it does not
// drift with the machine. (#16: a call by component name used to cost a component list first.)
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'run.js');

export async function cliRequestsBench() {
  const dataDir = mkdtempSync(join(tmpdir(), 'taho-bench-cli-'));
  const server = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env: { ...process.env, TAHO_DATA_DIR: dataDir, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let seen = '';
    let port = 0;
    while (!port) {
      const [chunk] = await once(server.stdout, 'data');
      seen += chunk;
      port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(seen)?.[1] ?? 0);
    }
    const requests = [];
    const proxy = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const upstream = request({ port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const url = `http://127.0.0.1:${proxy.address().port}`;
    const cli = (args) => promisify(execFile)(process.execPath, [bin, ...args, '--url', url], { env: { ...process.env, NO_COLOR: '1' } });
    await cli(['agents', 'invoke', 'example/counter/bench-req', 'increment', '1']); // creates the agent
    requests.length = 0;
    await cli(['agents', 'invoke', 'example/counter/bench-req', 'get']);
    const invoke = requests.length;
    requests.length = 0;
    await cli(['agents', 'oplog', 'example/counter/bench-req']);
    const oplog = requests.length;
    proxy.close();
    return [
      ['`taho agents invoke <component>/<agent> get --url`: HTTP requests', String(invoke), '2 before #16 (component list, then the call)', '', (invoke / 2).toFixed(2)],
      ['`taho agents oplog <component>/<agent> --url`: HTTP requests', String(oplog), '3 before #16 (component list, worker, oplog)', '', (oplog / 3).toFixed(2)],
    ];
  } finally {
    server.kill('SIGTERM');
  }
}
