import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { TahoError } from '../errors.js';
import type { Fence, Lease, LeaseName, Leases } from './ports/index.js';

/** Long enough that a busy event loop renews in time; a dead holder on this host is taken over at once anyway. */
const DEFAULT_TTL_MS = 30_000;

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
export interface HoldOptions {
  /** Who holds it, as others read it (a cluster node: `<node id>/…`, so they can find its address). */
  readonly holder?: string | undefined;
  /** A cluster's lease time: a dead node's lease must not outlive the cluster's takeover time. */
  readonly ttlMs?: number | undefined;
}

export async function holdLease(leases: Leases, name: LeaseName, where: string, onLost: () => void = () => undefined, options: HoldOptions = {}): Promise<HeldLease> {
  const TTL_MS = options.ttlMs ?? DEFAULT_TTL_MS;
  const id = options.holder === undefined ? `${hostname()}:${process.pid}:${randomUUID()}` : `${options.holder}/${hostname()}:${process.pid}:${randomUUID()}`;
  const holder = { id, pid: process.pid, host: hostname() };
  let lease: Lease | undefined = await leases.acquire(name, holder, TTL_MS);
  if (lease === undefined) {
    const other = await leases.current(name);
    const pid = /:(\d+):/.exec(other?.holder ?? '')?.[1];
    const node = leaseNode(other?.holder);
    throw new TahoError('TAHO_CONFLICT', `another taho process${node ? ` (node ${node})` : pid ? ` (pid ${pid})` : ''} runs the ${name} of ${where}`, {
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

/** The cluster node holding a lease taken with a `holder` option (undefined for any other holder). */
export function leaseNode(holder: string | undefined): string | undefined {
  const i = holder?.indexOf('/') ?? -1;
  return holder !== undefined && i > 0 ? holder.slice(0, i) : undefined;
}
