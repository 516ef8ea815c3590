import type { AgentRecord, AgentStore, AppendEvent, NewOplogEntry, OplogEntry } from '../store/ports/agents.js';
import type { Fence } from '../store/ports/leases.js';
import { notOwner } from './member.js';
import { shardOf } from './shards.js';
import { TahoError } from '../errors.js';

function notMember(): TahoError {
  return new TahoError('TAHO_NOT_OWNER', 'this process is not a node of the cluster its store belongs to, so it cannot run durable agents', {
    hint: 'Send the call to a node (`--url http://node:port`, or start one with `taho serve --store <url>`).',
  });
}

/**
 * The agent store as a cluster node's agents see it: every write carries the fence of the agent's
 * shard, and a write for a shard this node does not hold (any more) is refused before it reaches
 * the store. Reads pass through: the store is shared.
 */
/** What this process holds: the fence of a shard it may write, and who holds the others. */
export interface ShardFences {
  tokenOf(shard: number): number | undefined;
  ownerOf(shard: number): string | undefined;
  /** False in a process that is not a cluster node (it holds no shard and never will). */
  member(): boolean;
}

export class FencedAgentStore implements AgentStore {
  readonly #inner: AgentStore;
  readonly #fences: ShardFences;

  constructor(inner: AgentStore, fences: ShardFences) {
    this.#inner = inner;
    this.#fences = fences;
  }

  #fence(componentId: string, agent: string): Fence {
    const shard = shardOf(componentId, agent);
    const token = this.#fences.tokenOf(shard);
    if (token !== undefined) return { lease: `shard:${shard}`, token };
    if (!this.#fences.member()) throw notMember();
    throw notOwner(shard, this.#fences.ownerOf(shard));
  }

  ensureAgent(componentId: string, agent: string, init?: { args?: readonly string[]; env?: Readonly<Record<string, string>> }): Promise<AgentRecord> {
    return this.#inner.ensureAgent(componentId, agent, init);
  }

  getAgent(componentId: string, agent: string): Promise<AgentRecord | undefined> {
    return this.#inner.getAgent(componentId, agent);
  }

  listAgents(componentId?: string): Promise<AgentRecord[]> {
    return this.#inner.listAgents(componentId);
  }

  async deleteAgent(componentId: string, agent: string): Promise<boolean> {
    this.#fence(componentId, agent);
    return this.#inner.deleteAgent(componentId, agent);
  }

  async append(componentId: string, agent: string, entry: NewOplogEntry, event?: AppendEvent): Promise<number> {
    return this.#inner.append(componentId, agent, entry, event, this.#fence(componentId, agent));
  }

  oplog(componentId: string, agent: string, afterSeq?: number): Promise<OplogEntry[]> {
    return this.#inner.oplog(componentId, agent, afterSeq);
  }

  oplogSize(componentId: string, agent: string): Promise<number> {
    return this.#inner.oplogSize(componentId, agent);
  }

  byKey(componentId: string, agent: string, key: string): Promise<OplogEntry | undefined> {
    return this.#inner.byKey(componentId, agent, key);
  }

  async saveSnapshot(componentId: string, agent: string, seq: number, bytes: Uint8Array): Promise<void> {
    this.#fence(componentId, agent);
    return this.#inner.saveSnapshot(componentId, agent, seq, bytes);
  }

  latestSnapshot(componentId: string, agent: string): Promise<{ seq: number; bytes: Uint8Array } | undefined> {
    return this.#inner.latestSnapshot(componentId, agent);
  }
}
