import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers.js';
import { makeTls, startRedis, type RedisServer } from '../redis-server.js';
import { closedPort } from '../server-helpers.js';
import { counterCall, startNode } from './nodes.js';

let redis: RedisServer | undefined;
let ca = '';
beforeAll(async () => {
  const tls = makeTls(tempDir('taho-tls-'));
  ca = tls.ca;
  redis = await startRedis({ password: 'node-pw/1', tls });
});
afterAll(async () => {
  await redis?.stop();
});

/** `taho serve` that is expected to give up at start: its exit code and what it printed. */
async function serveFails(store: string, env: Record<string, string> = {}): Promise<{ exitCode: number; output: string }> {
  const r = await runCli(['serve', '--port', '0', '--store', store], { env: { TAHO_DATA_DIR: tempDir(), ...env }, timeout: 90_000 });
  return { exitCode: r.exitCode, output: `${r.stdout}\n${r.stderr}` };
}

describe('starting a cluster node', () => {
  it('a Redis that does not answer is a clear error naming the URL, exit code 1, no stack trace', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}/0`;
    const r = await serveFails(url);
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain(`Error: cannot reach the Redis store at ${url}`);
    expect(r.output).toMatch(/Hint: /);
    expect(r.output).not.toMatch(/^\s+at /m);
  });

  it('joins over rediss:// with a password (the test CA in NODE_EXTRA_CA_CERTS) and serves; a wrong password is a clear error at start', async () => {
    const server = redis as RedisServer;
    const node = await startNode(server.url(0), { env: { NODE_EXTRA_CA_CERTS: ca } });
    expect(node.output()).toMatch(/1 live node\(s\), store rediss:\/\/127\.0\.0\.1:\d+\/0/);
    expect(node.output()).not.toContain('node-pw');
    expect(await counterCall(node.url, 'tls', { key: 'k1' })).toMatchObject({ status: 200, node: node.id, value: 1 });

    const wrong = await serveFails(server.url(0, 'not-the-pw'), { NODE_EXTRA_CA_CERTS: ca });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.output).toMatch(/Error: .*refused taho's credentials/);
    expect(wrong.output).not.toContain('not-the-pw');
    expect(wrong.output).not.toMatch(/^\s+at /m);
  });
});
