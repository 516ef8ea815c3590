import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { TahoError } from '../../src/core/errors.js';
import { openStores } from '../../src/core/store/open.js';
import type { Stores } from '../../src/core/store/ports/index.js';
import { ROOT, tempDir } from '../helpers.js';
import { makeTls, startRedis, type RedisServer } from '../redis-server.js';

const servers: RedisServer[] = [];
const opened: Stores[] = [];
afterAll(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const s of servers.splice(0)) await s.stop();
});

function open(url: string): Stores {
  const s = openStores({ url, dataDir: '/nonexistent', sync: 'normal' });
  opened.push(s);
  return s;
}

async function failure(p: Promise<unknown>): Promise<TahoError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TahoError);
  return err as TahoError;
}

const entry = (key: string) => ({ kind: 'completed' as const, fn: 'inc', params: [1], host: [], result: 1, key, at: Date.now() });

describe('redis store faults', () => {
  it('an unreachable Redis fails a call with TAHO_STORE_UNREACHABLE naming the URL without its password, and /ready says so', async () => {
    const srv = await startRedis();
    servers.push(srv);
    const port = srv.port;
    await srv.stop(); // nothing listens there now
    const s = open(`redis://:hunter2@127.0.0.1:${port}/3`);
    const err = await failure(s.agents.append('c', 'a', entry('k')));
    expect(err.code).toBe('TAHO_STORE_UNREACHABLE');
    expect(err.message).toContain(`redis://127.0.0.1:${port}/3`);
    expect(err.message).not.toContain('hunter2');
    expect(err.hint).toMatch(/Start Redis/);
    const health = await s.health();
    expect(health).toMatchObject({ ok: false, kind: 'redis', location: `redis://127.0.0.1:${port}/3` });
    expect(health.reason).toMatch(/cannot reach/);
    expect(JSON.stringify(health)).not.toContain('hunter2');
  });

  it('a password in the URL opens a Redis that requires one; a wrong or missing one is a clear error', async () => {
    const srv = await startRedis({ password: 's3cret/pass' });
    servers.push(srv);
    const good = open(srv.url(0));
    expect(await good.agents.append('c', 'a', entry('k'))).toBe(1);
    expect((await good.health()).ok).toBe(true);
    const wrong = await failure(open(srv.url(0, 'nope-nope')).agents.oplog('c', 'a'));
    expect(wrong.code).toBe('TAHO_STORE_UNREACHABLE');
    expect(wrong.message).toMatch(/refused taho's credentials \(WRONGPASS/);
    expect(wrong.message).not.toContain('nope-nope');
    const missing = await failure(open(srv.url(0, '')).agents.oplog('c', 'a'));
    expect(missing.message).toMatch(/NOAUTH/);
    expect(missing.hint).toMatch(/requires a password/);
  });

  it('rediss:// speaks TLS to a server whose CA this machine trusts (NODE_EXTRA_CA_CERTS); an untrusted one is a clear error', async () => {
    const tls = makeTls(tempDir('taho-tls-'));
    const srv = await startRedis({ tls });
    servers.push(srv);
    // Node reads NODE_EXTRA_CA_CERTS at start: the store runs in a child process (the built code).
    const script = `
      import { openStores } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'core', 'store', 'open.js')).href)};
      const s = openStores({ url: process.argv[1], dataDir: '/nonexistent', sync: 'normal' });
      try {
        console.log(JSON.stringify({ seq: await s.agents.append('c', 'a', { kind: 'completed', fn: 'f', params: [], host: [], result: 1, key: 'k', at: 0 }) }));
      } catch (e) {
        console.log(JSON.stringify({ code: e.code, message: e.message, hint: e.hint }));
      } finally {
        await s.close();
      }`;
    const run = async (env: Record<string, string>): Promise<Record<string, unknown>> => {
      const r = await execa(process.execPath, ['--input-type=module', '-e', script, srv.url(0)], { env, reject: false });
      return JSON.parse(String(r.stdout)) as Record<string, unknown>;
    };
    expect(srv.url(0)).toMatch(/^rediss:/);
    expect(await run({ NODE_EXTRA_CA_CERTS: tls.ca })).toEqual({ seq: 1 });
    const untrusted = await run({});
    expect(untrusted.code).toBe('TAHO_STORE_UNREACHABLE');
    expect(untrusted.hint).toMatch(/NODE_EXTRA_CA_CERTS/);
  });

  it('kill -9 of redis-server under load loses no acknowledged append; the store reconnects by itself', async () => {
    const srv = await startRedis();
    servers.push(srv);
    const s = open(srv.url(0));
    const acked = new Set<string>();
    let killed = false;
    // Four writers append until Redis dies under them (one of them kills it after 2000
    // acknowledgements, the others keep writing meanwhile); an append counts once acknowledged.
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; ; i++) {
        const key = `w${w}-${i}`;
        try {
          await s.agents.append('c', `a${w}`, entry(key), { type: 'invoked', subject: `d/s/a${w}`, data: { key } });
          acked.add(key);
        } catch (err) {
          expect(err).toMatchObject({ code: 'TAHO_STORE_UNREACHABLE' });
          return;
        }
        if (acked.size >= 2000 && !killed) {
          killed = true;
          await srv.kill9();
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));
    expect(killed).toBe(true);
    await srv.restart();
    // The same store object works again once Redis is back (ioredis reconnects in the background).
    let events: Awaited<ReturnType<Stores['events']['read']>> = [];
    for (;;) {
      try {
        events = await s.events.read(0, { kinds: ['agent'] }, 1_000_000);
        break;
      } catch (err) {
        expect(err).toMatchObject({ code: 'TAHO_STORE_UNREACHABLE' });
      }
    }
    const logged = new Set<string>();
    for (const w of [0, 1, 2, 3]) {
      const log = await s.agents.oplog('c', `a${w}`);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      for (const e of log) logged.add(e.key);
    }
    const missing = [...acked].filter((k) => !logged.has(k));
    expect(missing).toEqual([]);
    // Each entry's event is there too, once (outbox).
    const evKeys = events.map((e) => String(e.data.key));
    expect(new Set(evKeys).size).toBe(evKeys.length);
    expect(evKeys.sort()).toEqual([...logged].sort());
    expect(await s.agents.append('c', 'a0', entry('after'))).toBe((await s.agents.oplogSize('c', 'a0')));
  });

  it('a follower keeps following across a kill -9 and restart of redis-server', async () => {
    const srv = await startRedis();
    servers.push(srv);
    const reader = open(srv.url(0));
    const writer = open(srv.url(0));
    const service = (subject: string) => [{ kind: 'service' as const, type: 'reloaded', subject, data: {} }];
    await writer.events.append(service('before'));
    const ac = new AbortController();
    const it = reader.events.follow({ after: 0, kinds: ['service'], signal: ac.signal })[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ subject: 'before' });
    await srv.kill9();
    // The follower reads on while Redis is down: it waits for it instead of ending.
    const next = it.next();
    await srv.restart();
    for (;;) {
      try {
        await writer.events.append(service('after'));
        break;
      } catch (err) {
        expect(err).toMatchObject({ code: 'TAHO_STORE_UNREACHABLE' });
      }
    }
    expect((await next).value).toMatchObject({ subject: 'after', id: 2 });
    ac.abort();
    await it.return?.();
  });
});
