import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';

// A running server starts what an upload or a reload brings at once (#19: a warm first call),
// instead of on the first call: the service is `ready` before anyone calls it.
let server: Server;

beforeAll(async () => {
  server = await startServer({ dataDir: join(tempDir('taho-warm-'), 'data') });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function stateOf(name: string): Promise<string> {
  const [domain, service] = name.split('/');
  const r = await fetch(`${server.url}/api/services/${domain}/${service}`);
  return ((await r.json()) as { state: string }).state;
}

/** Waits for the state the server reports (a ceiling against hangs, not a measurement). */
async function until(name: string, state: string): Promise<void> {
  for (const end = Date.now() + 30_000; Date.now() < end;) {
    if ((await stateOf(name)) === state) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${name} never became ${state}`);
}

describe('components a running server receives', () => {
  it('are started by the upload, not by their first call, and then answer', async () => {
    const bytes = readFileSync(join(ROOT, 'examples/example/hello.wasm'));
    const up = await fetch(`${server.url}/v1/components?name=warm%2Fhi`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/wasm' } });
    expect(up.status).toBe(200);
    await until('warm/hi', 'ready');
    const r = await fetch(`${server.url}/api/services/warm/hi/invoke/greet`, { method: 'POST', body: '"W"', headers: { 'content-type': 'application/json' } });
    expect(await r.json()).toEqual({ result: 'Hello, W!' });
  });

  it('leaves a component it was not given idle until called (a CLI process starts nothing it does not use)', async () => {
    expect(await stateOf('example/calculator')).toBe('idle');
  });
});
