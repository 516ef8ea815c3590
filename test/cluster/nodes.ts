import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll } from 'vitest';
import { desiredOwner, shardOf } from '../../src/core/cluster/shards.js';
import { BIN, ROOT, tempDir } from '../helpers.js';

/**
 * Real `taho serve` cluster nodes for the tests: each its own process and data directory (so its
 * own node id), a free loopback port, one shared store URL and a short lease, so a dead node's
 * shards move within about a second. Every node started here is killed when the test file ends.
 */
export interface ClusterNode {
  readonly id: string;
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  output(): string;
  /** Sends a signal to the node's process (SIGKILL, SIGSTOP, SIGCONT, SIGTERM). */
  signal(signal: NodeJS.Signals): void;
  /** Settles when the process has ended, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the output (from `from` on) matches `re`; rejects if the process ends first. */
  waitFor(re: RegExp, from?: number): Promise<RegExpMatchArray>;
}

export interface NodeOptions {
  readonly leaseMs?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Reuse a data directory: the same node id as the node that ran there before. */
  readonly dataDir?: string;
}

const started: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(started.splice(0).map(async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await done;
  }));
});

/** Spawns `taho serve --port 0 --store <store>` and waits for its `cluster:` start-up line. */
export async function startNode(store: string, options: NodeOptions = {}): Promise<ClusterNode> {
  const dataDir = options.dataDir ?? tempDir('taho-node-');
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--store', store], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', TAHO_DATA_DIR: dataDir, TAHO__CLUSTER__LEASE_MS: String(options.leaseMs ?? 1000), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => {
    resolve({ code, signal });
    for (const w of waiters) w();
  }));
  const waitFor = (re: RegExp, from = 0): Promise<RegExpMatchArray> => new Promise((resolve, reject) => {
    const check = (): void => {
      const m = out.slice(from).match(re);
      if (m) {
        waiters.delete(check);
        resolve(m);
      } else if (child.exitCode !== null || child.signalCode !== null) {
        waiters.delete(check);
        reject(new Error(`node exited before ${re}:\n${out}`));
      }
    };
    waiters.add(check);
    check();
  });
  const [, url = ''] = await waitFor(/listening on (http:\/\/\S+)/);
  const [, id = ''] = await waitFor(/cluster: node (\S+),/);
  return {
    id, url, dataDir, exited, waitFor,
    pid: child.pid ?? 0,
    output: () => out,
    signal: (signal) => {
      child.kill(signal);
    },
  };
}

/** Starts `n` nodes at once (a loaded machine starts them faster together than one by one). */
export function startNodes(n: number, store: string, options: NodeOptions = {}): Promise<ClusterNode[]> {
  return Promise.all(Array.from({ length: n }, () => startNode(store, options)));
}

const COUNTER = `/v1/components/example%2Fcounter/workers`;

export interface CallResult {
  readonly status: number;
  /** The node that answered (`x-taho-node`): the agent's owner for a forwarded call. */
  readonly node: string;
  /** The counter's value for a successful call. */
  readonly value: number | undefined;
  readonly body: Record<string, unknown>;
}

/** One durable `increment` (or `get`) of example/counter's agent `agent` through `url`. */
export async function counterCall(url: string, agent: string, options: { key?: string; fn?: 'increment' | 'get'; by?: number } = {}): Promise<CallResult> {
  const fn = options.fn ?? 'increment';
  const res = await fetch(`${url}${COUNTER}/${encodeURIComponent(agent)}/invoke-and-await?function=${fn}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.key === undefined ? {} : { 'idempotency-key': options.key }) },
    body: JSON.stringify({ params: fn === 'get' ? [] : [{ value: options.by ?? 1 }] }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  const result = body.result as { value?: unknown } | undefined;
  return { status: res.status, node: res.headers.get('x-taho-node') ?? '', value: res.status === 200 && result ? Number(result.value) : undefined, body };
}

/** The node answering for an agent now: its metadata is read on the owner, which changes nothing. */
export async function ownerOf(url: string, agent: string): Promise<{ status: number; node: string }> {
  const res = await fetch(`${url}${COUNTER}/${encodeURIComponent(agent)}`);
  await res.arrayBuffer();
  return { status: res.status, node: res.headers.get('x-taho-node') ?? '' };
}

/** The idempotency key of every `increment` in the agent's public oplog, in order. */
export async function incrementKeys(url: string, agent: string): Promise<string[]> {
  const res = await fetch(`${url}${COUNTER}/${encodeURIComponent(agent)}/oplog?count=1000`);
  if (res.status !== 200) throw new Error(`oplog of ${agent}: ${res.status} ${await res.text()}`);
  const page = (await res.json()) as { entries: { entry: { type: string; functionName?: string; idempotencyKey?: string } }[] };
  return page.entries.filter((e) => e.entry.type === 'ExportedFunctionInvoked' && e.entry.functionName === 'increment').map((e) => e.entry.idempotencyKey ?? '');
}

/** A name for an agent whose shard rendezvous hashing gives to `owner` among `nodes`. */
export async function agentOwnedBy(url: string, owner: string, nodes: readonly string[], prefix: string): Promise<string> {
  const list = (await (await fetch(`${url}/v1/components`)).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
  const cid = list.find((c) => c.componentName === 'example/counter')?.versionedComponentId.componentId ?? '';
  for (let i = 0; ; i++) {
    if (desiredOwner(shardOf(cid, `${prefix}${i}`), nodes) === owner) return `${prefix}${i}`;
  }
}

/** Asks /ready until it answers `status`. */
export async function readyUntil(url: string, status: number): Promise<Record<string, unknown>> {
  for (;;) {
    const r = await fetch(`${url}/ready`);
    const body = (await r.json()) as Record<string, unknown>;
    if (r.status === status) return body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What a node fault looks like to a caller: the request can be sent again with the same key. */
const RETRYABLE = new Set([409, 421, 502, 503, 504]);

export interface Acked {
  readonly value: number;
  readonly node: string;
  /** Failed attempts before the acknowledgement (connection errors, 409/421/503). */
  readonly failures: number;
}

/**
 * An `increment` sent with `key` until it is acknowledged: after a connection error or a
 * retryable status it goes again, same key, to the next of `urls()` (the nodes still alive).
 * Any other answer fails the test.
 */
export async function incrementUntilAcked(urls: () => readonly string[], agent: string, key: string, first = 0): Promise<Acked> {
  for (let attempt = 0; ; attempt++) {
    const live = urls();
    const url = live[(first + attempt) % live.length] as string;
    const r = await counterCall(url, agent, { key }).catch((err: unknown) => err instanceof Error ? err : new Error(String(err)));
    if (!(r instanceof Error)) {
      if (r.status === 200 && r.value !== undefined) return { value: r.value, node: r.node, failures: attempt };
      if (!RETRYABLE.has(r.status)) throw new Error(`${agent} ${key} on ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    // A client's backoff, so callers do not spin against a cluster that is down.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
