import { TahoError } from '../errors.js';
import type { ComponentEntry, ComponentRegistry } from '../components/registry.js';
import { componentByPrefix } from '../components/refs.js';
import { planAll, type CallPlan } from '../services/call-plan.js';
import type { AgentRecord, AgentStore } from '../store/ports/agents.js';
import { DurableAgent, type Invocation } from './agent.js';
import { agentInfo, type AgentInfo } from './info.js';
import { pageAgents, type AgentListQuery, type AgentPage } from './listing.js';
import type { AgentHost } from './instance.js';
import { MemoryBudget } from './memory-budget.js';

export interface AgentManagerOptions {
  /** Agents kept in memory; past it the least recently used idle one is evicted. */
  readonly maxActive: number;
  /** Snapshot every N entries when the component can (0: never). */
  readonly snapshotEvery?: number;
  /** A call running longer is stopped (worker host only; inline calls cannot be interrupted). */
  readonly invokeTimeoutMs?: number;
  /** Told of every agent change (`created`, `invoked`, `failed`, `deleted`), for the event stream. */
  readonly onChange?: ((subject: string, change: string, data: Readonly<Record<string, unknown>>) => void) | undefined;
  /** Told of every invocation that ran, from its arrival to its answer (ms, ok), for the stats. */
  readonly onCall?: ((ms: number, ok: boolean) => void) | undefined;
  /** Linear memory all agent instances together may hold; past it idle ones are evicted, new ones refused. */
  readonly maxMemoryBytes?: number | undefined;
}

/** Durable agents of every component: created by their first invocation, evicted when idle. */
export class AgentManager {
  readonly #registry: ComponentRegistry;
  readonly #host: AgentHost;
  readonly #store: AgentStore;
  readonly #options: AgentManagerOptions;
  /** Insertion order is recency: a touched agent is re-inserted at the end. */
  readonly #active = new Map<string, DurableAgent>();
  readonly #plans = new Map<string, ReadonlyMap<string, CallPlan>>();

  readonly #budget: MemoryBudget | undefined;

  constructor(registry: ComponentRegistry, host: AgentHost, store: AgentStore, options: AgentManagerOptions) {
    this.#registry = registry;
    this.#budget = options.maxMemoryBytes === undefined ? undefined : new MemoryBudget(host, options.maxMemoryBytes, () => this.#evictIdle());
    this.#host = this.#budget ?? host;
    this.#store = store;
    this.#options = options;
  }

  /** A component by UUID or `domain/service` name. */
  component(idOrName: string): ComponentEntry {
    return this.#component(idOrName);
  }

  async info(componentId: string, name: string): Promise<AgentInfo> {
    const entry = this.#component(componentId);
    const record = await this.record(entry.id, name);
    if (record === undefined) {
      throw new TahoError('TAHO_AGENT_NOT_FOUND', `agent ${name} of ${entry.domain}/${entry.service} not found`, {
        hint: 'An agent is created by its first invocation; `taho agents list` shows the existing ones.',
      });
    }
    return agentInfo(entry, record, this.#active.get(`${entry.id}/${name}`), await this.#store.oplogSize(entry.id, name));
  }

  /**
   * A page of agents as they are. Like `info`, it neither loads an agent nor touches its recency,
   * so listing never evicts a hot one.
   */
  page(query: AgentListQuery): Promise<AgentPage> {
    return pageAgents(this.#store, (s) => {
      const entry = this.#registry.byId(s.componentId);
      return entry && agentInfo(entry, s, this.#active.get(`${entry.id}/${s.agent}`), s.oplogSize);
    }, query);
  }

  /** Creates an agent explicitly, with the arguments and environment its component will see. */
  async create(componentId: string, name: string, init: { args?: readonly string[]; env?: Readonly<Record<string, string>> }): Promise<DurableAgent> {
    const entry = this.#component(componentId);
    if (await this.exists(entry.id, name)) {
      throw new TahoError('TAHO_CONFLICT', `agent ${name} of ${entry.domain}/${entry.service} exists already`, {
        hint: 'Invoke it, or delete it first to start over.',
      });
    }
    await this.#store.ensureAgent(entry.id, name, init);
    this.#options.onChange?.(`${entry.domain}/${entry.service}/${name}`, 'created', { component: entry.id });
    return this.agent(entry.id, name);
  }

  /** The agent, created (in the store) if it does not exist yet. */
  agent(componentId: string, name: string): DurableAgent {
    const entry = this.#component(componentId);
    const key = `${entry.id}/${name}`;
    let agent = this.#active.get(key);
    if (agent && agent.entry.version === entry.version) {
      this.#active.delete(key);
    } else {
      agent?.evict(); // a new version of the component: the old instance goes
      const record = this.#store.ensureAgent(entry.id, name);
      record.catch(() => undefined); // a failure shows at the agent's first call, which awaits it
      agent = new DurableAgent(entry, name, this.#store, this.#host, this.#plansOf(entry), {
        record,
        snapshotEvery: this.#options.snapshotEvery ?? 0,
        timeoutMs: this.#options.invokeTimeoutMs ?? 30_000,
        ...(this.#options.onChange ? { onChange: this.#options.onChange } : {}),
        ...(this.#options.onCall ? { onCall: this.#options.onCall } : {}),
      });
    }
    this.#active.set(key, agent);
    this.#evictOverflow();
    return agent;
  }

  async invoke(componentId: string, name: string, method: string, input: unknown, key?: string): Promise<Invocation> {
    return this.agent(componentId, name).invoke(method, input, key);
  }

  async exists(componentId: string, name: string): Promise<boolean> {
    return (await this.#store.getAgent(componentId, name)) !== undefined;
  }

  async names(componentId: string): Promise<string[]> {
    return (await this.#store.listAgents(componentId)).map((a) => a.agent);
  }

  record(componentId: string, name: string): Promise<AgentRecord | undefined> {
    return this.#store.getAgent(componentId, name);
  }

  async createdAt(componentId: string, name: string): Promise<number> {
    return (await this.#store.getAgent(componentId, name))?.createdAt ?? Date.now();
  }

  oplogSize(componentId: string, name: string): Promise<number> {
    return this.#store.oplogSize(componentId, name);
  }

  /** The oplog as kept (entries dropped below a snapshot are not shown), for reading, not replay. */
  oplog(componentId: string, name: string): ReturnType<AgentStore['oplog']> {
    return this.#store.oplog(componentId, name, 0, { kept: true });
  }

  /** Deletes an agent and its oplog once its queue is empty. */
  async delete(componentId: string, name: string): Promise<boolean> {
    const key = `${componentId}/${name}`;
    const agent = this.#active.get(key);
    if (agent) {
      await agent.idle();
      agent.evict();
      this.#active.delete(key);
    }
    const deleted = await this.#store.deleteAgent(componentId, name);
    const entry = this.#registry.byId(componentId);
    if (deleted) this.#options.onChange?.(`${entry ? `${entry.domain}/${entry.service}` : componentId}/${name}`, 'deleted', { component: componentId });
    return deleted;
  }

  /**
   * Lets go of the agents `which` picks (a cluster node handing over or losing their shard): with
   * `drain`, after their queued calls finish; without, at once (their calls queued or running
   * fail, even if this node holds the shard again by then). The next call of such an agent
   * starts from the store.
   */
  async release(which: (componentId: string, name: string) => boolean, drain: boolean): Promise<void> {
    const picked = [...this.#active].filter(([, a]) => which(a.entry.id, a.name));
    // Lost: retired at once. Handed over: kept in place until drained, so a call made in this
    // process meanwhile queues behind the others on the same instance instead of starting a second.
    if (!drain) {
      for (const [key, a] of picked) {
        this.#active.delete(key);
        a.retire();
      }
    }
    const settle = Promise.all(picked.map(async ([key, a]) => {
      await a.idle();
      a.evict();
      if (this.#active.get(key) === a) this.#active.delete(key);
    }));
    if (drain) await settle;
  }

  /** Waits for every queued invocation to finish (shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.#active.values()].map((a) => a.idle()));
  }

  /** Starts the threads hosting agent instances ahead of the first call. */
  warm(): Promise<void> {
    return this.#host.warm();
  }

  /** Drains, then stops the threads hosting agent instances. */
  async close(): Promise<void> {
    await this.drain();
    await this.#host.close();
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Linear memory the agents in memory hold (0 without a budget, which is what measures it). */
  get memoryBytes(): number {
    return this.#budget?.usedBytes ?? 0;
  }

  /** Evicts the least recently used idle agent that holds an instance; false when there is none. */
  #evictIdle(): boolean {
    for (const agent of this.#active.values()) {
      if (agent.loaded && agent.evict()) return true;
    }
    return false;
  }

  #evictOverflow(): void {
    for (const [key, agent] of this.#active) {
      if (this.#active.size <= this.#options.maxActive) return;
      if (agent.evict()) this.#active.delete(key);
    }
  }

  #component(idOrName: string): ComponentEntry {
    const entry = this.#registry.byId(idOrName) ?? this.#registry.list().find((e) => `${e.domain}/${e.service}` === idOrName) ?? componentByPrefix(this.#registry, idOrName);
    if (entry) return entry;
    throw new TahoError('TAHO_COMPONENT_NOT_FOUND', `no component ${idOrName}`, {
      hint: '`taho components` lists component ids and names.',
      details: { components: this.#registry.list().map((e) => ({ id: e.id, name: `${e.domain}/${e.service}` })) },
    });
  }

  #plansOf(entry: ComponentEntry): ReadonlyMap<string, CallPlan> {
    let plans = this.#plans.get(entry.version);
    if (!plans) {
      plans = planAll(entry.signature.functions);
      this.#plans.set(entry.version, plans);
    }
    return plans;
  }
}
