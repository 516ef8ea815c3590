import type { Json } from '../values/plain.js';

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

export type NewOplogEntry = Omit<OplogEntry, 'seq'>;

export interface AgentStore {
  ensureAgent(componentId: string, agent: string, init?: { args?: readonly string[]; env?: Readonly<Record<string, string>> }): AgentRecord;
  getAgent(componentId: string, agent: string): AgentRecord | undefined;
  listAgents(componentId?: string): AgentRecord[];
  deleteAgent(componentId: string, agent: string): boolean;
  /** Resolves once the entry is durable (committed); concurrent appends share one commit. */
  append(componentId: string, agent: string, entry: NewOplogEntry): Promise<number>;
  oplog(componentId: string, agent: string, afterSeq?: number): OplogEntry[];
  oplogSize(componentId: string, agent: string): number;
  byKey(componentId: string, agent: string, key: string): OplogEntry | undefined;
  /** Keeps the agent's latest snapshot: its state as of entry `seq`. */
  saveSnapshot(componentId: string, agent: string, seq: number, bytes: Uint8Array): void;
  latestSnapshot(componentId: string, agent: string): { seq: number; bytes: Uint8Array } | undefined;
  close(): void;
}
