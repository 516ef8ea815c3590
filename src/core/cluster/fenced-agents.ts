import type { AgentPageQuery, AgentRecord, AgentStore, AgentSummary, AppendEvent, NewOplogEntry, OplogEntry, OplogReadOptions } from '../store/ports/agents.js';
import type { Fence } from '../store/ports/leases.js';
import { notOwner } from './member.js';
import { shardOf } from './shards.js';

/** What this process holds: the fence of a shard it may write, and who holds the others. */
export interface ShardFences {
  tokenOf(shard: number): number | undefined;
  ownerOf(shard: number): string | undefined;
  /** Joins the cluster if this process has not yet (a one-shot command), before its first write. */
  join(): Promise<void>;
}

export class FencedAgentStore implements AgentStore {
  readonly #inner: AgentStore;
  readonly #fences: ShardFences;

  constructor(inner: AgentStore, fences: ShardFences) {
    this.#inner = inner;
    this.#fences = fences;
  }

  async #fence(componentId: string, agent: string): Promise<Fence> {
    await this.#fences.join();
    const shard = shardOf(componentId, agent);
    const token = this.#fences.tokenOf(shard);
    if (token !== undefined) return { lease: `shard:${shard}`, token };
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

  agentPage(query: AgentPageQuery): Promise<AgentSummary[]> {
    return this.#inner.agentPage(query);
  }

  async deleteAgent(componentId: string, agent: string): Promise<boolean> {
    await this.#fence(componentId, agent);
    return this.#inner.deleteAgent(componentId, agent);
  }

  fenceOf(componentId: string, agent: string): Promise<Fence> {
    return this.#fence(componentId, agent);
  }

  /** With `fence` (the one the writing instance was rebuilt under), exactly that one is checked, not the shard's current one. */
  async append(componentId: string, agent: string, entry: NewOplogEntry, event?: AppendEvent, fence?: Fence): Promise<number> {
    return this.#inner.append(componentId, agent, entry, event, fence ?? await this.#fence(componentId, agent));
  }

  oplog(componentId: string, agent: string, afterSeq?: number, options?: OplogReadOptions): Promise<OplogEntry[]> {
    return this.#inner.oplog(componentId, agent, afterSeq, options);
  }

  oplogSize(componentId: string, agent: string): Promise<number> {
    return this.#inner.oplogSize(componentId, agent);
  }

  byKey(componentId: string, agent: string, key: string): Promise<OplogEntry | undefined> {
    return this.#inner.byKey(componentId, agent, key);
  }

  async saveSnapshot(componentId: string, agent: string, seq: number, bytes: Uint8Array): Promise<void> {
    await this.#fence(componentId, agent);
    return this.#inner.saveSnapshot(componentId, agent, seq, bytes);
  }

  latestSnapshot(componentId: string, agent: string): Promise<{ seq: number; bytes: Uint8Array } | undefined> {
    return this.#inner.latestSnapshot(componentId, agent);
  }
}
