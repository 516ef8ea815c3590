import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers.js';
import { startRedis, type RedisServer } from '../redis-server.js';

let server: RedisServer | undefined;
beforeAll(async () => {
  server = await startRedis({ password: 'pw-cli' });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe('the CLI on a Redis store ([store] url from TAHO__STORE__URL)', () => {
  it('keeps a durable agent in Redis: each call a separate process, the state carries over', async () => {
    const env = { TAHO_DATA_DIR: tempDir(), TAHO__STORE__URL: (server as RedisServer).url(4) };
    const outs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['agents', 'invoke', 'example/counter/c1', 'increment', '2'], { env });
      expect(r.stderr).not.toMatch(/Error/);
      outs.push(r.stdout.trim());
    }
    expect(outs).toEqual(['2', '4', '6']);
    const oplog = await runCli(['agents', 'oplog', 'example/counter/c1'], { env });
    expect(oplog.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('an unreachable Redis is a clear error naming the URL without its password: Error and Hint, no stack, exit code 1', async () => {
    const port = (server as RedisServer).port;
    const other = await startRedis();
    const deadPort = other.port;
    await other.stop();
    const r = await runCli(['agents', 'invoke', 'example/counter/c1', 'increment', '2'], { env: { TAHO_DATA_DIR: tempDir(), TAHO__STORE__URL: `redis://:pw-cli@127.0.0.1:${deadPort}/0` } });
    expect(deadPort).not.toBe(port);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`Error: cannot reach the Redis store at redis://127.0.0.1:${deadPort}/0`);
    expect(r.stderr).toMatch(/Hint: Start Redis there/);
    expect(r.stderr).not.toContain('pw-cli');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
