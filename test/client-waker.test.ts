import { describe, expect, it, vi } from 'vitest';
import type { Client, TahoEvent } from '../src/client/contract.js';
import { eventWaker } from '../src/client/waker.js';
import { clientPair, errorOf } from './client-pair.js';

// What `tt logs -f` and the job waits (`taho jobs run`, `wasm run`, `rerun`) sleep on: the one
// event stream, in-process and over HTTP. A wait ends on a relevant event and on nothing else.
const { clients, server } = clientPair('taho-waker-');

describe.each(['local', 'http'] as const)('%s client: eventWaker', (kind) => {
  const c = (): Client => clients[kind];

  it('wakes on the relevant event, not on another one and not on a timer', async () => {
    const ac = new AbortController();
    const described = (e: TahoEvent): unknown => (e.data as { description?: unknown }).description;
    let decoyHeard: () => void = () => undefined;
    const decoy = new Promise<void>((resolve) => {
      decoyHeard = resolve;
    });
    const waker = eventWaker(c(), { kinds: ['town'], after: 'latest', signal: ac.signal }, (e: TahoEvent) => {
      if (described(e) === 'waker decoy') decoyHeard();
      return described(e) === 'waker target';
    });
    try {
      await waker.live;
      // The wait arms no timer: only the stream can end it.
      const armed = [vi.spyOn(globalThis, 'setTimeout'), vi.spyOn(globalThis, 'setInterval')];
      let woke = false;
      const waiting = waker.wait().then(() => {
        woke = true;
      });
      for (const spy of armed) {
        expect(spy).not.toHaveBeenCalled();
        spy.mockRestore();
      }
      await c().backlogAdd('waker decoy');
      await decoy;
      expect(woke).toBe(false);
      await c().backlogAdd('waker target');
      await waiting;
      expect(woke).toBe(true);
    } finally {
      ac.abort();
    }
  });

  it('an event that came before the wait is not lost; an abort ends the wait', async () => {
    const ac = new AbortController();
    const waker = eventWaker(c(), { kinds: ['town'], after: 'latest', signal: ac.signal }, () => true);
    await waker.live;
    const first = waker.wait();
    await c().backlogAdd('waker early');
    await first;
    const second = waker.wait();
    ac.abort();
    await second; // resolves: the caller sees its signal aborted and stops
  });
});

describe('http client: eventWaker', () => {
  it('rejects a wait with the stream\'s error when the server is gone, instead of waiting forever', async () => {
    const ac = new AbortController();
    // The last test of the file: the server the others used stops here.
    const waker = eventWaker(clients.http, { kinds: ['job'], after: 'latest', signal: ac.signal }, () => true);
    try {
      await waker.live;
      const failed = errorOf(waker.wait());
      await server().stop();
      expect((await failed).code).toBe('TAHO_SERVER_UNREACHABLE');
    } finally {
      ac.abort();
    }
  }, 60_000);
});
