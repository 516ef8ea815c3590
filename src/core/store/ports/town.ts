import type { Agent, Message, Round, Task, TaskState } from '../../town/model.js';
import type { NewEvent, TahoEvent } from './events.js';
import type { Fence } from './leases.js';

export interface InboxRow {
  readonly agent_id: string;
  readonly urgent: boolean;
  readonly message: Message;
}

/**
 * Preconditions of a town write, checked inside its atomic write: the record is still exactly as
 * the writer read it (`is`: the object read, compared by its JSON; null: it must not exist).
 * This is optimistic concurrency: the town reads, decides with its pure state machine
 * (town/transitions.ts), and writes with guards on what it read; a racing writer makes the write
 * fail with a conflict, and the town reads again. Keeping the decision out of the store keeps the
 * town's rules in one place instead of one copy per adapter (SQL, Lua).
 */
export type TownGuard =
  /**
   * `loose`: the change depends only on the agent being there, under the same name and node, and
   * not Stopped or Error (a delivery to its inbox), so its heartbeats and rounds do not refuse
   * it. An adapter may check the whole body instead: stricter, never looser.
   */
  | { readonly agent: string; readonly is: Agent | null; readonly loose?: true | undefined }
  | { readonly task: string; readonly is: Task | null }
  | { readonly agentName: string; readonly free: true };

/** One change. `…Take` ops are also guards: when the item is not there the whole write fails. */
export type TownOp =
  | { readonly op: 'putAgent'; readonly agent: Agent }
  /** With its inbox and its rounds. */
  | { readonly op: 'deleteAgent'; readonly id: string }
  | { readonly op: 'putTask'; readonly task: Task }
  /** With its backlog place and its inbox messages. */
  | { readonly op: 'deleteTask'; readonly id: string }
  | { readonly op: 'backlogPush'; readonly taskId: string }
  /** Takes the task out of the backlog; fails the write when it is not there (two claims: one wins). */
  | { readonly op: 'backlogTake'; readonly taskId: string }
  /** Removes it if it is there. */
  | { readonly op: 'backlogRemove'; readonly taskId: string }
  /** `front`: ahead of everything in its lane (a round given back by a restart runs next). */
  | { readonly op: 'inboxPush'; readonly agentId: string; readonly message: Message; readonly urgent: boolean; readonly front?: boolean | undefined }
  /** Takes the message out of its inbox; fails the write when it is not there. */
  | { readonly op: 'inboxTake'; readonly messageId: string }
  | { readonly op: 'inboxRemoveTask'; readonly taskId: string }
  | { readonly op: 'putRound'; readonly round: Round }
  | { readonly op: 'setMeta'; readonly key: string; readonly value: string };

export interface TownWrite {
  readonly guards?: readonly TownGuard[] | undefined;
  readonly ops: readonly TownOp[];
  /** Committed with the ops (outbox); kind `town`. */
  readonly events?: readonly NewEvent[] | undefined;
  readonly fence?: Fence | undefined;
}

export type TownApplied =
  | { readonly ok: true; readonly events: readonly TahoEvent[] }
  /** Nothing was written; `conflict` says which guard or take failed (the town retries or reports it). */
  | { readonly ok: false; readonly conflict: string };

/** One page of tasks in the order they were first stored, at most `limit` with `ord` > `after`. */
export interface TaskPageQuery {
  readonly state?: readonly TaskState[] | undefined;
  readonly assigned_to?: string | undefined;
  readonly after?: number | undefined;
  readonly limit: number;
}

export interface TaskRow {
  /** Where the task stands in that order: the next page starts after the last row's. */
  readonly ord: number;
  readonly task: Task;
}

/**
 * The town port (Tinytown model). Invariant: a task is in exactly one place — the backlog, one
 * agent's inbox, one agent's hands (`current_task`), or finished — after every write, because
 * every move is one atomic write whose takes and guards fail when another writer moved it first.
 * Several processes may write the same town (the server dispatches while a CLI assigns).
 */
export interface TownStore {
  /** It checks `loose` agent guards as such (not the whole body): a draft may then trust an agent it read earlier. */
  readonly looseGuards?: boolean | undefined;
  apply(write: TownWrite): Promise<TownApplied>;
  agent(id: string): Promise<Agent | undefined>;
  agentByName(name: string): Promise<Agent | undefined>;
  /** In creation order. */
  agents(): Promise<Agent[]>;
  task(id: string): Promise<Task | undefined>;
  /** A page costs its own size (and what a filter skips), not the number of tasks stored. */
  taskPage(query: TaskPageQuery): Promise<TaskRow[]>;
  /** Tasks by state, kept by the store rather than counted from every task. */
  taskCounts(): Promise<Partial<Record<TaskState, number>>>;
  /** In creation order. */
  tasks(filter?: { readonly state?: readonly TaskState[] | undefined; readonly assigned_to?: string | undefined }): Promise<Task[]>;
  /** Task ids, oldest first. */
  backlog(): Promise<string[]>;
  inBacklog(taskId: string): Promise<boolean>;
  /** Urgent lane first, then arrival order (a `front` push before both). */
  inbox(agentId: string, limit?: number): Promise<InboxRow[]>;
  /** The next message that carries work (a task), in inbox order. */
  inboxNextWork(agentId: string): Promise<InboxRow | undefined>;
  /** Messages without work, which ride along in the next round's prompt. */
  inboxNotes(agentId: string): Promise<InboxRow[]>;
  inboxCounts(agentId: string): Promise<{ total: number; urgent: number; work: number }>;
  inboxOfTask(taskId: string): Promise<InboxRow | undefined>;
  /** Agents with at least one work message waiting. */
  agentsWithWork(): Promise<string[]>;
  lastRound(agentId: string): Promise<Round | undefined>;
  meta(key: string): Promise<string | undefined>;
}
