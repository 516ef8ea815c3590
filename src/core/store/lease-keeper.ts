import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { TahoError } from '../errors.js';
import type { Fence, Lease, LeaseName, Leases } from './ports/index.js';

/** Long enough that a busy event loop renews in time; a dead holder on this host is taken over at once anyway. */
const TTL_MS = 30_000;

export interface HeldLease {
  /** The fence this process's writes carry. */
  fence(): Fence;
  /** True until a renewal found the lease taken over. */
  readonly held: boolean;
  release(): Promise<void>;
}

/**
 * Takes the lease that makes this process the one running a data directory's jobs (or town
 * dispatcher), and renews it in the background. Throws TAHO_CONFLICT naming the other holder.
 */
export async function holdLease(leases: Leases, name: LeaseName, where: string, onLost: () => void = () => undefined): Promise<HeldLease> {
  const holder = { id: `${hostname()}:${process.pid}:${randomUUID()}`, pid: process.pid, host: hostname() };
  let lease: Lease | undefined = await leases.acquire(name, holder, TTL_MS);
  if (lease === undefined) {
    const other = await leases.current(name);
    const pid = /:(\d+):/.exec(other?.holder ?? '')?.[1];
    throw new TahoError('TAHO_CONFLICT', `another taho process${pid ? ` (pid ${pid})` : ''} runs the ${name} of ${where}`, {
      hint: 'Send jobs to it (taho serve is running?), or wait until it ends.',
    });
  }
  let held = true;
  const timer = setInterval(() => {
    if (!lease) return;
    leases.renew(lease, TTL_MS).then((next) => {
      lease = next;
    }, () => {
      held = false;
      clearInterval(timer);
      onLost();
    });
  }, TTL_MS / 3);
  timer.unref();
  const first = lease;
  return {
    fence: () => ({ lease: name, token: (lease ?? first).token }),
    get held() {
      return held;
    },
    async release() {
      clearInterval(timer);
      const l = lease;
      lease = undefined;
      if (l && held) await leases.release(l).catch(() => undefined);
    },
  };
}
