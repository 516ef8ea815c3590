import { afterAll, beforeAll } from 'vitest';
import { openStores } from '../../src/core/store/open.js';
import { startRedis, type RedisServer } from '../redis-server.js';
import { describeStore } from './conformance.js';

let server: RedisServer | undefined;
beforeAll(async () => {
  server = await startRedis();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

// Each fixture a fresh database of the one server (the suite's cases run one after another).
let next = 0;
describeStore('redis', async () => {
  const srv = server as RedisServer;
  const db = (next++ % 15) + 1;
  await srv.flush(db);
  return {
    open: (o) => openStores({ url: srv.url(db), dataDir: '/nonexistent', sync: 'normal', keepBelowSnapshot: o?.keepBelowSnapshot }),
    destroy: () => srv.flush(db),
  };
});
