import { randomBytes } from 'node:crypto';
import { TahoError } from '../errors.js';
import type { HostHooks } from '../components/host.js';
import type { HostRecord } from '../store/ports/agents.js';

/**
 * The non-determinism an agent sees, made durable: live, every clock reading and random number
 * the component asks for is answered for real and recorded; in replay, the recorded answers are
 * handed back in the same order, so rebuilt state is exactly what was acknowledged. Asking for
 * something other than what was recorded is a divergence, reported, never papered over.
 */
export class HostJournal {
  #mode: 'live' | 'replay' = 'live';
  #recorded: HostRecord[] = [];
  #replaying: readonly HostRecord[] = [];
  #next = 0;
  #label = '';

  /** Starts recording a live invocation. */
  live(): void {
    this.#mode = 'live';
    this.#recorded = [];
  }

  /** What the live invocation saw. */
  take(): HostRecord[] {
    const r = this.#recorded;
    this.#recorded = [];
    return r;
  }

  replay(records: readonly HostRecord[], label: string): void {
    this.#mode = 'replay';
    this.#replaying = records;
    this.#next = 0;
    this.#label = label;
  }

  /** Ends a replayed invocation: every recorded answer must have been asked for. */
  finishReplay(): void {
    if (this.#next !== this.#replaying.length) {
      throw diverged(`${this.#label} asked the host ${this.#next} time(s) on replay, but ${this.#replaying.length} answer(s) were recorded`);
    }
    this.#mode = 'live';
  }

  readonly hooks: HostHooks = {
    wallClock: () => {
      const r = this.#answer('wall', () => {
        const ms = Date.now();
        return { k: 'wall', s: String(Math.floor(ms / 1000)), ns: (ms % 1000) * 1e6 };
      });
      return { seconds: BigInt(r.s), nanoseconds: r.ns };
    },
    monotonicNow: () => BigInt(this.#answer('mono', () => ({ k: 'mono', v: String(process.hrtime.bigint()) })).v),
    randomU64: () => BigInt(this.#answer('u64', () => ({ k: 'u64', v: randomBytes(8).readBigUInt64LE().toString() })).v),
    randomBytes: (len: number) => new Uint8Array(Buffer.from(this.#answer('bytes', () => ({ k: 'bytes', v: randomBytes(len).toString('base64') })).v, 'base64')),
  };

  #answer<K extends HostRecord['k']>(kind: K, live: () => Extract<HostRecord, { k: K }>): Extract<HostRecord, { k: K }> {
    if (this.#mode === 'live') {
      const r = live();
      this.#recorded.push(r);
      return r;
    }
    const r = this.#replaying[this.#next];
    if (!r || r.k !== kind) {
      throw diverged(`${this.#label} asked the host for ${kind} on replay where the oplog has ${r ? r.k : 'nothing more'} (answer ${this.#next + 1})`);
    }
    this.#next += 1;
    return r as Extract<HostRecord, { k: K }>;
  }
}

export function diverged(message: string): TahoError {
  return new TahoError('TAHO_AGENT_DIVERGED', `replay diverged: ${message}`, {
    hint: 'The component no longer behaves as when the oplog was written (a different version, or non-determinism taho does not record). The agent is marked Failed; its oplog is kept.',
  });
}
