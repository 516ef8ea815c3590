import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../src/core/store/open.js';
import type { Stores, TownStore, TownWrite } from '../../src/core/store/ports/index.js';
import type { Agent } from '../../src/core/town/model.js';
import { Town } from '../../src/core/town/town.js';
import { startRedis, type RedisServer } from '../redis-server.js';

let server: RedisServer | undefined;
const dir = mkdtempSync(join(tmpdir(), 'taho-town-delivery-'));
beforeAll(async () => {
  server = await startRedis();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The town on Redis whose every delivery (a write that pushes to an inbox) is overtaken by a
 * write of the agent's own node made between the draft's read and its write, as a round's
 * heartbeat lands on a cluster: `overtake` says what that write does to the agent.
 */
async function racedTown(db: number, overtake: (a: Agent, n: number) => Agent): Promise<{ town: Town; stores: Stores; deliveries: () => number }> {
  const srv = server as RedisServer;
  await srv.flush(db);
  const stores = openStores({ url: srv.url(db), dataDir: '/nonexistent', sync: 'normal' });
  let n = 0;
  const raced = new Proxy(stores.town, {
    get(target, key) {
      if (key === 'apply') {
        return async (w: TownWrite) => {
          const delivery = w.ops.find((o) => o.op === 'inboxPush');
          if (delivery && delivery.op === 'inboxPush') {
            n += 1;
            const a = await target.agent(delivery.agentId) as Agent;
            await target.apply({ ops: [{ op: 'putAgent', agent: overtake(a, n) }] });
          }
          return target.apply(w);
        };
      }
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as TownStore;
  const town = new Town({ store: raced, dataDir: dir, presets: { script: { command: `${process.execPath} examples/town/script-agent.mjs` } }, defaultCli: 'script' });
  return { town, stores, deliveries: () => n };
}

describe('a delivery on the Redis town while the agent\'s node writes the agent', () => {
  it('is not refused by the agent\'s heartbeats and rounds (it was, 50 times over, and gave up with TAHO_CONFLICT)', async () => {
    const { town, stores, deliveries } = await racedTown(1, (a, n) => ({ ...a, state: n % 2 === 1 ? 'Working' : 'Idle', last_heartbeat: new Date(Date.parse(a.last_heartbeat) + n).toISOString() }));
    try {
      await town.spawn({ name: 'far' });
      const sender = await town.spawn({ name: 'near' });
      const { task_id } = await town.assign('far', 'a task', { from: 'near' });
      const sent = await town.send({ to: 'far', message: 'a note', kind: 'info', from: sender.id });
      expect(deliveries()).toBe(2); // each drafted once
      const inbox = await town.inbox('far');
      expect(inbox.messages.map((m) => m.task_id ?? m.id)).toEqual([task_id, sent.message_id]);
      expect((await town.task(task_id)).state).toBe('assigned');
    } finally {
      await stores.close();
    }
  });

  it('is still refused when the agent stopped meanwhile: drafted again, it says why', async () => {
    const { town, stores } = await racedTown(2, (a) => ({ ...a, state: 'Stopped' }));
    try {
      await town.spawn({ name: 'far' });
      await expect(town.assign('far', 'a task')).rejects.toMatchObject({ code: 'TAHO_CONFLICT', message: expect.stringMatching(/cannot assign a task to agent 'far': it is Stopped/) });
      expect(await town.inbox('far')).toMatchObject({ total: 0 });
    } finally {
      await stores.close();
    }
  });
});
