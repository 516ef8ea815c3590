import type { InboxRow, NewEvent, TownGuard, TownOp, TownStore, TownWrite } from '../store/ports/index.js';
import type { Agent, Message, Round, Task, TaskState } from './model.js';

/**
 * One change of the town being put together, then applied as one atomic write. Reads go to the
 * store and record what they saw as guards (a single agent or task read: that it is unchanged; a
 * listed one: only if the draft then changes it), so the write fails — and the town reads again —
 * when another writer moved something this decision was based on. Reads see the draft's own puts.
 */
export class TownDraft {
  readonly #store: TownStore;
  readonly #guards = new Map<string, TownGuard>();
  readonly #listed = new Map<string, Agent | Task>();
  readonly #ops: TownOp[] = [];
  readonly #events: NewEvent[] = [];
  readonly #agents = new Map<string, Agent | null>();
  readonly #tasks = new Map<string, Task | null>();
  readonly #taken = new Set<string>();
  /** Agents read only to deliver to: their guard asks only that they are there and alive. */
  readonly #delivering = new Set<string>();
  readonly #changed = new Set<string>();

  /** Agents by name as an earlier change read them: trusted where only a loose guard checks them (see `needsOnlyAlive`). */
  readonly #known: ReadonlyMap<string, Agent>;
  /** Agents this draft read by name from the store. */
  readonly read = new Map<string, Agent>();

  constructor(store: TownStore, known: ReadonlyMap<string, Agent> = new Map()) {
    this.#store = store;
    this.#known = store.looseGuards === true ? known : new Map();
  }

  async agent(id: string): Promise<Agent | undefined> {
    const own = this.#agents.get(id);
    if (own !== undefined) return own ?? undefined;
    const a = await this.#store.agent(id);
    this.#guard(`agent:${id}`, { agent: id, is: a ?? null });
    return a;
  }

  async agentByName(name: string): Promise<Agent | undefined> {
    for (const a of this.#agents.values()) if (a?.name === name) return a;
    const known = this.#known.get(name);
    if (known !== undefined) {
      this.#guard(`agent:${known.id}`, { agent: known.id, is: known });
      return known;
    }
    const a = await this.#store.agentByName(name);
    if (a !== undefined) this.read.set(name, a);
    if (a === undefined) this.#guard(`name:${name}`, { agentName: name, free: true });
    else this.#guard(`agent:${a.id}`, { agent: a.id, is: a });
    return a;
  }

  async agents(): Promise<Agent[]> {
    const all = await this.#store.agents();
    for (const a of all) this.#listed.set(`agent:${a.id}`, a);
    return all.map((a) => this.#agents.get(a.id) ?? a);
  }

  async task(id: string): Promise<Task | undefined> {
    const own = this.#tasks.get(id);
    if (own !== undefined) return own ?? undefined;
    const t = await this.#store.task(id);
    this.#guard(`task:${id}`, { task: id, is: t ?? null });
    return t;
  }

  async tasks(filter: { state?: readonly TaskState[] | undefined; assigned_to?: string | undefined } = {}): Promise<Task[]> {
    const all = await this.#store.tasks(filter);
    for (const t of all) this.#listed.set(`task:${t.id}`, t);
    return all;
  }

  backlog(): Promise<string[]> {
    return this.#store.backlog();
  }

  inboxNextWork(agentId: string): Promise<InboxRow | undefined> {
    return this.#store.inboxNextWork(agentId);
  }

  inboxNotes(agentId: string): Promise<InboxRow[]> {
    return this.#store.inboxNotes(agentId);
  }

  inboxOfTask(taskId: string): Promise<InboxRow | undefined> {
    return this.#store.inboxOfTask(taskId);
  }

  lastRound(agentId: string): Promise<Round | undefined> {
    return this.#store.lastRound(agentId);
  }

  /**
   * This change needs of the agent only that it is there, under its name and node, and alive (a
   * delivery to its inbox, a message it sends): another writer may move it meanwhile (a heartbeat,
   * a round starting). Without this an agent's own writes refused every delivery drafted slower
   * than its heartbeat, and the town drafted again and again until it gave up.
   */
  needsOnlyAlive(agentId: string): void {
    this.#delivering.add(agentId);
  }

  putAgent(a: Agent): void {
    this.#changed.add(a.id);
    this.#changing(`agent:${a.id}`);
    this.#agents.set(a.id, a);
    this.#ops.push({ op: 'putAgent', agent: a });
  }

  deleteAgent(id: string): void {
    this.#changed.add(id);
    this.#changing(`agent:${id}`);
    this.#agents.set(id, null);
    this.#ops.push({ op: 'deleteAgent', id });
  }

  putTask(t: Task): void {
    this.#changing(`task:${t.id}`);
    this.#tasks.set(t.id, t);
    this.#ops.push({ op: 'putTask', task: t });
  }

  deleteTask(id: string): void {
    this.#changing(`task:${id}`);
    this.#tasks.set(id, null);
    this.#ops.push({ op: 'deleteTask', id });
  }

  backlogPush(taskId: string): void {
    this.#taken.delete(taskId);
    this.#ops.push({ op: 'backlogPush', taskId });
  }

  /** Takes the task out of the backlog; false when it is not there (the write also fails if someone takes it first). */
  async backlogRemove(taskId: string): Promise<boolean> {
    if (this.#taken.has(taskId) || !(await this.#store.inBacklog(taskId))) return false;
    this.#taken.add(taskId);
    this.#ops.push({ op: 'backlogTake', taskId });
    return true;
  }

  /** Removes the task from the backlog if it is there. */
  backlogDrop(taskId: string): void {
    this.#ops.push({ op: 'backlogRemove', taskId });
  }

  inboxPush(agentId: string, message: Message, urgent: boolean, front = false): void {
    this.#ops.push({ op: 'inboxPush', agentId, message, urgent, front });
  }

  /** Takes the message out; the write fails if it is gone by then. */
  inboxRemove(messageId: string): void {
    this.#ops.push({ op: 'inboxTake', messageId });
  }

  inboxRemoveTask(taskId: string): void {
    this.#ops.push({ op: 'inboxRemoveTask', taskId });
  }

  putRound(round: Round): void {
    this.#ops.push({ op: 'putRound', round });
  }

  setMeta(key: string, value: string): void {
    this.#ops.push({ op: 'setMeta', key, value });
  }

  event(e: NewEvent): void {
    this.#events.push(e);
  }

  get empty(): boolean {
    return this.#ops.length === 0 && this.#events.length === 0;
  }

  write(fence: TownWrite['fence']): TownWrite {
    const guards = [...this.#guards.values()].map((g): TownGuard => ('agent' in g && g.is !== null && this.#delivering.has(g.agent) && !this.#changed.has(g.agent) ? { ...g, loose: true } : g));
    return { guards, ops: this.#ops, events: this.#events, ...(fence ? { fence } : {}) };
  }

  #guard(key: string, g: TownGuard): void {
    if (!this.#guards.has(key)) this.#guards.set(key, g);
  }

  /** Something only listed is being changed: the change is based on the listed value. */
  #changing(key: string): void {
    const seen = this.#listed.get(key);
    if (seen === undefined || this.#guards.has(key)) return;
    this.#guard(key, key.startsWith('agent:') ? { agent: seen.id, is: seen as Agent } : { task: seen.id, is: seen as Task });
  }
}
