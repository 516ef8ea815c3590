import { describe, expect, it } from 'vitest';
import type { Client } from '../src/client/contract.js';
import { clientPair, errorOf } from './client-pair.js';

// The same contract, in-process and over HTTP: the CLI must not be able to tell them apart.
const { clients } = clientPair('taho-contract-');

describe.each(['local', 'http'] as const)('%s client', (kind) => {
  const client = (): Client => clients[kind];

  it('invokes and returns plain JSON', async () => {
    expect(await client().invoke({ domain: 'example', service: 'hello', method: 'greet', input: ['Ann'] })).toEqual({ result: 'Hello, Ann!' });
    expect(await client().invoke({ domain: 'example', service: 'calculator', method: 'scale', input: [{ rectangle: { x: 2, y: 3 } }, 2] }))
      .toEqual({ result: { rectangle: { x: 4, y: 6 } } });
    expect(await client().invoke({ domain: 'example', service: 'calculator', method: 'sum-list', input: [['9007199254740993', 1]] }))
      .toEqual({ result: '9007199254740994' });
  });

  it('rejects with the same codes, messages and details', async () => {
    const div = await errorOf(client().invoke({ domain: 'example', service: 'calculator', method: 'div', input: [1, 0] }));
    expect(div).toMatchObject({ code: 'TAHO_COMPONENT_ERROR', details: { error: 'division by zero' } });
    const missing = await errorOf(client().invoke({ domain: 'example', service: 'missing', method: 'x' }));
    expect(missing).toMatchObject({ code: 'TAHO_SERVICE_NOT_FOUND', message: expect.stringContaining('example/hello') });
    const args = await errorOf(client().invoke({ domain: 'example', service: 'calculator', method: 'clamp-u8', input: ['x'] }));
    expect(args).toMatchObject({ code: 'TAHO_BAD_ARGUMENTS', message: 'parameter `value` of clamp-u8 expects s32, got "x"' });
  });

  it('lists services, components, config and reloads', async () => {
    const services = await client().services();
    const hello = services.find((s) => s.id === 'example.hello');
    expect(hello?.methods).toEqual([{ name: 'greet', signature: 'greet: func(name: string) -> string', params: [{ name: 'name', type: { kind: 'string' } }], result: { kind: 'string' } }]);
    const components = await client().components();
    expect(components.find((c) => c.name === 'example/clock')?.imports).toEqual(['wasi:clocks/wall-clock@0.2.3', 'wasi:random/random@0.2.3']);
    expect((await client().config()).entries.find((e) => e.key === 'http.bind')).toMatchObject({ value: '127.0.0.1', source: 'default' });
    expect(await client().reload()).toMatchObject({ status: 'success', services: expect.arrayContaining(['example.hello']), added: [], removed: [] });
  });

  it('invokes durable agents and shows them, their oplog, and deletes them', async () => {
    const c = client();
    const name = `contract-${kind}`;
    expect(await c.agentInvoke({ component: 'example/counter', agent: name, fn: 'increment', args: [2], key: 'a', wait: true }))
      .toEqual({ result: { typ: { type: 'U64' }, value: 2 } });
    expect((await c.agentInvoke({ component: 'example/counter', agent: name, fn: 'increment', args: [2], key: 'a', wait: true })).result?.value).toBe(2);
    expect((await c.agentInvoke({ component: 'example/counter', agent: name, fn: 'get', args: [], wait: true })).result?.value).toBe(2);
    expect(await c.agent('example/counter', name)).toMatchObject({ component: 'example/counter', agent: name, status: 'Idle', pending: 0, oplogSize: 2 });
    await c.agentInvoke({ component: 'example/counter', agent: `${name}-2`, fn: 'get', args: [], wait: true });
    const listed = (await c.agents({ component: 'example/counter' })).items.map((a) => a.agent);
    expect(listed).toEqual(expect.arrayContaining([name, `${name}-2`]));
    // Pages of one, each continuing after the last: every agent once, in the same order.
    const paged: string[] = [];
    for (let after: number | undefined, n = 0; n === 0 || after !== undefined; n++) {
      const page = await c.agents({ component: 'example/counter', after, limit: 1 });
      paged.push(...page.items.map((a) => a.agent));
      after = page.next;
    }
    expect(paged).toEqual(listed);
    expect((await c.oplog('example/counter', name)).map((e) => `${e.fn}:${e.key}`)).toEqual(['increment:a', expect.stringMatching(/^get:/)]);
    expect(await c.cancelInvocation('example/counter', name, 'a')).toEqual({ canceled: false });
    const bad = await errorOf(c.agentInvoke({ component: 'example/counter', agent: name, fn: 'increment', args: ['x'], wait: true }));
    expect(bad.code).toBe('TAHO_BAD_ARGUMENTS');
    await c.deleteAgent('example/counter', name);
    expect((await errorOf(c.agent('example/counter', name))).code).toBe('TAHO_AGENT_NOT_FOUND');
    // A deleted agent has no oplog and cannot be deleted again, over HTTP as in-process.
    expect((await errorOf(c.oplog('example/counter', name))).code).toBe('TAHO_AGENT_NOT_FOUND');
    expect((await errorOf(c.deleteAgent('example/counter', name))).code).toBe('TAHO_AGENT_NOT_FOUND');
  });

  it('quiesces and restarts', async () => {
    expect(await client().quiesce('example', 'clock')).toEqual({ status: 'quiesced' });
    const refused = await errorOf(client().invoke({ domain: 'example', service: 'clock', method: 'roll', input: [6] }));
    expect(refused.code).toBe('TAHO_SERVICE_UNAVAILABLE');
    expect(await client().restart('example', 'clock')).toEqual({ status: 'Service restarted successfully' });
    const roll = await client().invoke({ domain: 'example', service: 'clock', method: 'roll', input: [6] });
    expect(roll.result).toBeGreaterThanOrEqual(1);
    expect(await client().restart('example', 'clock', 'greeting = "hi"')).toEqual({ status: 'Service restarted with new configuration' });
  });
});

it('gives the same service and component views from both clients', async () => {
  const strip = (list: { state?: string; isolation?: string }[]) => list.map(({ state: _s, isolation: _i, ...rest }) => rest);
  expect(strip(await clients.http.services())).toEqual(strip(await clients.local.services()));
  expect(await clients.http.components()).toEqual(await clients.local.components());
});
