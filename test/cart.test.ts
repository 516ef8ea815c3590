import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { OpenApiCheck } from './openapi-check.js';
import { post, startServer, type Server } from './server-helpers.js';

// example/cart over Golem's worker API: a durable agent whose state is structured (records,
// variants, options, lists) and that exports Golem's snapshot interfaces.
const work = tempDir('taho-cart-');
let server: Server;
let api: OpenApiCheck;
let cart = '';

const AWAIT = '/v1/components/{component_id}/workers/{worker_name}/invoke-and-await';
const ITEM = { type: 'Record', name: 'item', fields: [{ name: 'sku', typ: { type: 'Str' } }, { name: 'qty', typ: { type: 'U32' } }, { name: 'price-cents', typ: { type: 'U64' } }] };
const CART_ERROR = {
  type: 'Variant', name: 'cart-error',
  cases: [{ name: 'unknown-sku', typ: { type: 'Str' } }, { name: 'bad-quantity', typ: { type: 'U32' } }, { name: 'sku-too-long', typ: { type: 'U32' } }, { name: 'full' }],
};
type Item = { sku: string; qty: number; 'price-cents': number };

const cartId = async (url: string) => {
  const list = (await (await fetch(`${url}/v1/components`)).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
  return list.find((c) => c.componentName === 'example/cart')?.versionedComponentId.componentId ?? '';
};
const worker = (url: string, name: string) => `${url}/v1/components/${cart}/workers/${name}`;
const call = (url: string, name: string, fn: string, params: unknown[], key?: string) =>
  post(`${worker(url, name)}/invoke-and-await?function=${encodeURIComponent(fn)}`, { params }, key ? { 'idempotency-key': key } : {});
/** The result's value of a call that must succeed. */
const value = async (url: string, name: string, fn: string, params: unknown[] = []) => {
  const r = await call(url, name, fn, params);
  const body = (await r.json()) as { result: { value: unknown } };
  expect(r.status, `${fn}: ${JSON.stringify(body)}`).toBe(200);
  return body.result.value;
};
const item = (sku: string, qty: number, price: number) => ({ value: { sku, qty, 'price-cents': price } });

beforeAll(async () => {
  server = await startServer({ dataDir: join(work, 'data') });
  api = await OpenApiCheck.load(server.url);
  cart = await cartId(server.url);
  expect(cart).not.toBe('');
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('example/cart as a durable agent', () => {
  it('adds items from a typed or an untyped record and lists them in insertion order', async () => {
    const typed = await call(server.url, 'shop', 'add-item', [{ typ: ITEM, value: { sku: 'apple', qty: 2, 'price-cents': 150 } }]);
    expect(await api.json(typed, 'POST', AWAIT)).toEqual({ result: { typ: { type: 'Result', ok: { type: 'U32' }, err: CART_ERROR }, value: { ok: 1 } } });
    expect(await value(server.url, 'shop', 'add-item', [item('pâté 🥖', 1, 999)])).toEqual({ ok: 2 });
    // The same sku again adds to its line (and takes the price given).
    expect(await value(server.url, 'shop', 'add-item', [item('apple', 3, 140)])).toEqual({ ok: 2 });
    expect(await value(server.url, 'shop', 'add-item', [item('fig', 4, 25)])).toEqual({ ok: 3 });
    const items = await call(server.url, 'shop', 'items', []);
    expect(await api.json(items, 'POST', AWAIT)).toEqual({
      result: {
        typ: { type: 'List', inner: ITEM },
        value: [{ sku: 'apple', qty: 5, 'price-cents': 140 }, { sku: 'pâté 🥖', qty: 1, 'price-cents': 999 }, { sku: 'fig', qty: 4, 'price-cents': 25 }],
      },
    });
    expect(await value(server.url, 'shop', 'total', [])).toBe(5 * 140 + 999 + 4 * 25);
  });

  it('finds an item (option present) and answers null for one it does not have', async () => {
    await value(server.url, 'finder', 'add-item', [item('tea', 2, 450)]);
    const found = await call(server.url, 'finder', 'find', [{ value: 'tea' }]);
    expect(await api.json(found, 'POST', AWAIT)).toEqual({ result: { typ: { type: 'Option', inner: ITEM }, value: { sku: 'tea', qty: 2, 'price-cents': 450 } } });
    expect(await value(server.url, 'finder', 'find', [{ typ: { type: 'Str' }, value: 'te' }])).toBeNull();
    expect(await value(server.url, 'finder', 'find', [{ value: 'tea leaves' }])).toBeNull();
  });

  it("answers a component's err result as Golem does (a 200 value), and keeps the cart as it was", async () => {
    await value(server.url, 'errs', 'add-item', [item('milk', 1, 99)]);
    const unknown = await call(server.url, 'errs', 'remove-item', [{ value: 'kiwi' }], 'rm-kiwi');
    expect(unknown.status).toBe(200);
    const body = await api.json(unknown, 'POST', AWAIT);
    expect(body).toMatchObject({ result: { typ: { type: 'Result' }, value: { err: { 'unknown-sku': 'kiwi' } } } });
    // The err is recorded like any result: the same key answers the same error without running again.
    expect(await (await call(server.url, 'errs', 'remove-item', [{ value: 'kiwi' }], 'rm-kiwi')).json()).toEqual(body);
    expect(await value(server.url, 'errs', 'add-item', [item('milk', 0, 99)])).toEqual({ err: { 'bad-quantity': 0 } });
    expect(await value(server.url, 'errs', 'add-item', [item('x'.repeat(241), 1, 1)])).toEqual({ err: { 'sku-too-long': 241 } });
    // A value that does not fit the record is refused before it reaches the agent.
    const bad = await call(server.url, 'errs', 'add-item', [{ typ: ITEM, value: { sku: 'milk', qty: -1, 'price-cents': 1 } }]);
    expect(bad.status).toBe(400);
    expect(await api.json(bad, 'POST', AWAIT)).toMatchObject({ errors: [expect.stringContaining('parameter `item`')] });
    expect(await value(server.url, 'errs', 'items')).toEqual([{ sku: 'milk', qty: 1, 'price-cents': 99 }]);
    expect(await value(server.url, 'errs', 'remove-item', [{ value: 'milk' }])).toEqual({ ok: null });
    expect(await value(server.url, 'errs', 'items')).toEqual([]);
  });

  it('checks out: answers the total and empties the cart; an empty cart is an error', async () => {
    await value(server.url, 'till', 'add-item', [item('bread', 2, 300)]);
    await value(server.url, 'till', 'add-item', [item('jam', 1, 475)]);
    expect(await value(server.url, 'till', 'checkout')).toEqual({ ok: 1075 });
    expect(await value(server.url, 'till', 'items')).toEqual([]);
    expect(await value(server.url, 'till', 'total')).toBe(0);
    const empty = await call(server.url, 'till', 'checkout', []);
    expect(empty.status).toBe(200);
    expect(await api.json(empty, 'POST', AWAIT)).toMatchObject({ result: { value: { err: 'cart is empty' } } });
    const meta = await fetch(worker(server.url, 'till'));
    expect(await api.json(meta, 'GET', '/v1/components/{component_id}/workers/{worker_name}')).toMatchObject({ status: 'Idle', pendingInvocationCount: 0, oplogSize: 6 });
  });
});

describe('example/cart snapshots', () => {
  // The snapshot as the component writes it: "CART", u32 lines, then (u32 len, sku, u32 qty, u64 price)*.
  const decode = (bytes: Uint8Array): Item[] => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('CART');
    const out: Item[] = [];
    let at = 8;
    for (let i = 0; i < view.getUint32(4, true); i++) {
      const len = view.getUint32(at, true);
      const sku = new TextDecoder().decode(bytes.subarray(at + 4, at + 4 + len));
      out.push({ sku, qty: view.getUint32(at + 4 + len, true), 'price-cents': Number(view.getBigUint64(at + 8 + len, true)) });
      at += 16 + len;
    }
    expect(at).toBe(bytes.length);
    return out;
  };

  it('rebuilds the agent after a restart from its latest snapshot plus the entries after it', async () => {
    const dataDir = join(work, 'snapshots');
    const env = { TAHO__AGENTS__SNAPSHOT_EVERY: '4' };
    // Opened only while no server runs: the test reads and edits the store behind taho's back.
    const withDb = <T>(fn: (db: DatabaseSync) => T): T => {
      const db = new DatabaseSync(join(dataDir, 'taho.db'));
      try {
        return fn(db);
      } finally {
        db.close();
      }
    };
    const snapshotRow = () => withDb((db) => db.prepare("SELECT seq, bytes FROM snapshots WHERE agent = 'snap'").get() as { seq: number; bytes: Uint8Array });
    let s = await startServer({ dataDir, env });
    try {
      cart = await cartId(s.url);
      // Entries 1-10; snapshots after entries 4 and 8 (an err result, entry 6, is an entry too).
      await value(s.url, 'snap', 'add-item', [item('a', 1, 100)]);
      await value(s.url, 'snap', 'add-item', [item('b', 2, 250)]);
      await value(s.url, 'snap', 'add-item', [item('c', 1, 999)]);
      await value(s.url, 'snap', 'add-item', [item('d', 3, 5)]);
      expect(await value(s.url, 'snap', 'remove-item', [{ value: 'b' }])).toEqual({ ok: null });
      expect(await value(s.url, 'snap', 'remove-item', [{ value: 'nope' }])).toEqual({ err: { 'unknown-sku': 'nope' } });
      expect(await value(s.url, 'snap', 'add-item', [item('a', 2, 100)])).toEqual({ ok: 3 });
      expect(await value(s.url, 'snap', 'find', [{ value: 'c' }])).toEqual({ sku: 'c', qty: 1, 'price-cents': 999 });
      expect(await value(s.url, 'snap', 'add-item', [item('é', 1, 1)])).toEqual({ ok: 4 });
      expect(await value(s.url, 'snap', 'total')).toBe(300 + 999 + 15 + 1);
    } finally {
      await s.stop();
    }
    const want = [{ sku: 'a', qty: 3, 'price-cents': 100 }, { sku: 'c', qty: 1, 'price-cents': 999 }, { sku: 'd', qty: 3, 'price-cents': 5 }, { sku: 'é', qty: 1, 'price-cents': 1 }];
    const saved = snapshotRow();
    expect(saved.seq).toBe(8);
    expect(decode(saved.bytes)).toEqual(want.slice(0, 3));

    // A snapshot the component refuses costs a full replay, not the state.
    withDb((db) => db.prepare("UPDATE snapshots SET bytes = ? WHERE agent = 'snap'").run(new TextEncoder().encode('not a cart')));
    s = await startServer({ dataDir, env });
    try {
      expect(await value(s.url, 'snap', 'items')).toEqual(want); // entry 11
    } finally {
      await s.stop();
    }

    // With the good snapshot back and entries 1-8 gone from the oplog, only the snapshot can
    // hold what they did: the rebuilt cart must still be the same.
    withDb((db) => {
      db.prepare("UPDATE snapshots SET bytes = ? WHERE agent = 'snap'").run(saved.bytes);
      expect(Number(db.prepare("DELETE FROM oplog WHERE agent = 'snap' AND seq <= 8").run().changes)).toBe(8);
    });
    s = await startServer({ dataDir, env });
    try {
      expect(await value(s.url, 'snap', 'items')).toEqual(want); // entry 12: a new snapshot
      const oplog = (await (await fetch(`${s.url}/api/agents/example%2Fcart/snap/oplog`)).json()) as { entries: { seq: number; fn: string }[] };
      expect(oplog.entries.map((e) => [e.seq, e.fn])).toEqual([[9, 'add-item'], [10, 'total'], [11, 'items'], [12, 'items']]);
      expect(await value(s.url, 'snap', 'checkout')).toEqual({ ok: 1315 });
      expect(await value(s.url, 'snap', 'items')).toEqual([]);
    } finally {
      await s.stop();
    }
    const latest = snapshotRow();
    expect(latest.seq).toBe(12);
    expect(decode(latest.bytes)).toEqual(want);

    // And the next start rebuilds from snapshot 12 plus the checkout after it.
    s = await startServer({ dataDir, env });
    try {
      expect(await value(s.url, 'snap', 'items')).toEqual([]);
      expect(await value(s.url, 'snap', 'add-item', [item('z', 1, 7)])).toEqual({ ok: 1 });
      expect(await (await fetch(worker(s.url, 'snap'))).json()).toMatchObject({ status: 'Idle', oplogSize: 8 });
    } finally {
      await s.stop();
    }
  }, 120_000);
});
