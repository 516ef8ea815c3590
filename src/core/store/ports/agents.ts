import { TahoError } from '../../errors.js';
import type { Json } from '../../values/plain.js';
import type { NewEvent } from './events.js';
import type { Fence } from './leases.js';

/**
 * What durable agents need from storage. The embedded adapter is SQLite; the Redis adapter of
 * distributed mode implements the same contract and must pass the same tests.
 */
export interface AgentRecord {
  readonly componentId: string;
  readonly agent: string;
  readonly createdAt: number;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** One non-deterministic answer the host gave the component, in call order. */
export type HostRecord =
  | { readonly k: 'wall'; readonly s: string; readonly ns: number }
  | { readonly k: 'mono'; readonly v: string }
  | { readonly k: 'u64'; readonly v: string }
  | { readonly k: 'bytes'; readonly v: string };

/**
 * A finished invocation. `completed` entries are replayed to rebuild state; `failed` ones (a
 * trap) had no effect on state and are kept only so a retry with the same key gets the same answer.
 */
export interface OplogEntry {
  readonly seq: number;
  readonly kind: 'completed' | 'failed';
  readonly fn: string;
  /** The call's input as the client sent it (plain JSON), replayed through the same codec. */
  readonly params: Json;
  readonly host: readonly HostRecord[];
  /** The JSON result, or the component's error value. */
  readonly result: Json;
  readonly error?: { readonly code: string; readonly message: string } | undefined;
  readonly key: string;
  readonly at: number;
}

/**
 * An agent as a list shows it: its record, where it stands in creation order (`ord`, the cursor of
 * the next page) and its oplog's size, read from the log's ends rather than counted.
 */
export interface AgentSummary extends AgentRecord {
  /** Grows with each new agent across every component; a page continues after the last one's. */
  readonly ord: number;
  readonly oplogSize: number;
}

/** One page of agents in creation order: at most `limit` with `ord` > `after` (0: from the first). */
export interface AgentPageQuery {
  readonly componentId?: string | undefined;
  readonly after?: number | undefined;
  readonly limit: number;
}

export interface OplogReadOptions {
  readonly kept?: boolean | undefined;
}

/** The read `oplog(after)` answered, or the refusal when entries it needs were dropped below a snapshot. */
export function contiguous(entries: OplogEntry[], afterSeq: number, subject: string, options?: OplogReadOptions): OplogEntry[] {
  const first = entries[0];
  if (options?.kept === true || first === undefined || first.seq === afterSeq + 1) return entries;
  throw new TahoError('TAHO_AGENT_DIVERGED', `the oplog of agent ${subject} starts at entry ${first.seq}: entries after ${afterSeq} were dropped below a snapshot`, {
    hint: 'It can be rebuilt only from its latest snapshot, which its component refused to load. Raise [agents] keep_below_snapshot (or "all") to keep more of the log.',
  });
}

export type NewOplogEntry = Omit<OplogEntry, 'seq'>;

/** An event that an append writes with its entry; the store sets `data.seq` to the entry's seq. */
export type AppendEvent = Omit<NewEvent, 'kind'>;

/**
 * The durable agents' port. Invariants the callers rely on:
 * - Idempotency: within one agent an idempotency key names one entry. `append` with a key that is
 *   already stored stores nothing and resolves to the stored entry's seq (dedupe). The caller
 *   (DurableAgent) also keeps an in-memory map of the keys of calls still running, consulted
 *   synchronously before any await, so a second call with the same key joins the first instead
 *   of running twice: the store alone cannot see a call that has not been appended yet.
 * - Order: seqs of one agent are 1, 2, 3 … in append order, with no gap; `oplog(after)` returns
 *   them in that order. Replay = latest snapshot + the tail after its seq.
 * - Durability: `append` resolves only once the entry (and its event) is committed; appends that
 *   arrive together may share one commit (group commit), but each resolves with its own seq and
 *   one bad entry never fails the others.
 * - Outbox: the entry and its event are one atomic write.
 * Reads may resolve at once (SQLite is synchronous); callers must not assume they do.
 */
export interface AgentStore {
  ensureAgent(componentId: string, agent: string, init?: { args?: readonly string[]; env?: Readonly<Record<string, string>> }): Promise<AgentRecord>;
  getAgent(componentId: string, agent: string): Promise<AgentRecord | undefined>;
  listAgents(componentId?: string): Promise<AgentRecord[]>;
  /** A page costs its own size, not the number of agents stored. */
  agentPage(query: AgentPageQuery): Promise<AgentSummary[]>;
  /** Removes the agent, its oplog and its snapshot in one write; false when there was none. */
  deleteAgent(componentId: string, agent: string): Promise<boolean>;
  /**
   * Resolves with the entry's seq once it (and `event`, if given) is durable. With a `fence` (a
   * cluster node writing an agent of a shard it holds) the write is refused with TAHO_LEASE_LOST,
   * and nothing of it applied, unless the fence's token is still the lease's current one.
   */
  append(componentId: string, agent: string, entry: NewOplogEntry, event?: AppendEvent, fence?: Fence): Promise<number>;
  /**
   * Entries after `afterSeq`, in order. A read that would start inside a range dropped below a
   * snapshot refuses (replay must not skip entries); `kept` takes what is kept instead, for showing
   * the log, never for rebuilding state.
   */
  oplog(componentId: string, agent: string, afterSeq?: number, options?: OplogReadOptions): Promise<OplogEntry[]>;
  /**
   * Entries the oplog holds (those dropped below a snapshot no longer count), read from the log's
   * ends, not counted: the same cost at 100 entries as at 100 000.
   */
  oplogSize(componentId: string, agent: string): Promise<number>;
  byKey(componentId: string, agent: string, key: string): Promise<OplogEntry | undefined>;
  /**
   * Keeps the agent's latest snapshot: its state as of entry `seq` (a later one replaces it). In
   * the same write, entries more than the store's keep-below-snapshot setting below `seq` are
   * dropped (with their idempotency keys); the entry at `seq` and every later one always stay, so
   * numbering goes on. An `oplog(after)` read that would start inside the dropped range refuses
   * (TAHO_AGENT_DIVERGED) rather than hand out a log with a hole: only the snapshot rebuilds it.
   */
  saveSnapshot(componentId: string, agent: string, seq: number, bytes: Uint8Array): Promise<void>;
  latestSnapshot(componentId: string, agent: string): Promise<{ seq: number; bytes: Uint8Array } | undefined>;
  /**
   * The fence this process writes the agent under now (a cluster node: its shard's lease), or
   * undefined where writes are not fenced (one machine). An instance is rebuilt under a fence and
   * appends only with that one: if the shard went elsewhere and came back meanwhile, another node
   * may have appended, the instance is behind the oplog, and its write must be refused rather
   * than stored with a state the log does not lead to. Throws TAHO_NOT_OWNER when the shard is
   * not held here.
   */
  fenceOf?(componentId: string, agent: string): Promise<Fence | undefined>;
}
