/**
 * The town's data, with Tinytown's wire field names (redis-field-engineering/tinytown,
 * src/agent.rs, src/task.rs, src/message.rs), so HTTP routes can return these objects as they are.
 * Times are RFC 3339 strings; ids are UUID strings.
 */

export const AGENT_STATES = ['Cold', 'Starting', 'Idle', 'Working', 'Paused', 'Draining', 'Stopped', 'Error'] as const;
/** Rust `Debug` spelling, as Tinytown puts it on the wire. */
export type AgentState = (typeof AGENT_STATES)[number];

export type SpawnMode = 'fresh' | 'forkedcontext' | 'resumed';

/** The sender of messages that no agent sent (`AgentId::supervisor()` in Tinytown). */
export const SUPERVISOR_ID = '00000000-0000-0000-0000-000000000001';

export interface Agent {
  readonly id: string;
  readonly name: string;
  readonly nickname: string | null;
  readonly role_id: string | null;
  readonly parent_agent_id: string | null;
  readonly spawn_mode: SpawnMode;
  /** Preset name (`claude`, `codex`, …) resolved to a command when a round starts. */
  readonly cli: string;
  readonly state: AgentState;
  readonly current_task: string | null;
  readonly rounds_completed: number;
  readonly tasks_completed: number;
  readonly created_at: string;
  readonly last_heartbeat: string;
  readonly last_active_at: string;
  /** taho: stop after this many rounds (null = no limit). */
  readonly max_rounds: number | null;
  /** taho: the pid of the running round's process, so recover can tell whether it is gone. */
  readonly pid: number | null;
  /** taho: exit code of the last finished round (null: none yet, or ended by a signal). */
  readonly last_exit_code: number | null;
  /**
   * taho, in a cluster: the node that runs the agent's rounds — a process agent's is the node that
   * spawned it; a component agent's, the node that ran its last round (it follows its shard).
   * Absent or null: the node holding the town lease runs it (one process outside a cluster).
   */
  readonly node?: string | null;
}

export const TASK_STATES = ['pending', 'assigned', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export interface Task {
  readonly id: string;
  readonly description: string;
  readonly state: TaskState;
  readonly assigned_to: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly started_at: string | null;
  readonly completed_at: string | null;
  /** Result on success, error text on failure. */
  readonly result: string | null;
  readonly parent_id: string | null;
  readonly tags: readonly string[];
}

export function isTerminalTask(state: TaskState): boolean {
  return state === 'completed' || state === 'failed' || state === 'cancelled';
}

/** Agents that will never run another round until restarted: their tasks can be reclaimed. */
export function isDeadAgent(state: AgentState): boolean {
  return state === 'Stopped' || state === 'Error';
}

/** The inbox `type` strings of GET /v1/agents/{agent}/inbox. */
export type MessageType =
  | 'task_assign'
  | 'task'
  | 'query'
  | 'info'
  | 'confirmation'
  | 'task_done'
  | 'task_failed'
  | 'status_request'
  | 'status_response'
  | 'ping'
  | 'pong'
  | 'shutdown'
  | `custom:${string}`;

/** The `kind` values POST /v1/messages/send accepts; anything else is `task`, as in Tinytown. */
export type SendKind = 'task' | 'query' | 'info' | 'ack';

export type Priority = 'low' | 'normal' | 'high' | 'urgent';

export interface Message {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly type: MessageType;
  readonly priority: Priority;
  /** The text: a task's description, a question, a summary. */
  readonly body: string;
  /** Set on messages that carry work: the task the dispatcher runs when it dequeues them. */
  readonly task_id: string | null;
  readonly created_at: string;
  readonly correlation_id: string | null;
}

/** Messages the dispatcher turns into a round; the others ride along in the next round's prompt. */
export function carriesWork(type: MessageType): boolean {
  return type === 'task_assign' || type === 'task' || type === 'query';
}

export interface InboxItem {
  readonly id: string;
  readonly from: string;
  readonly type: MessageType;
  readonly summary: string;
  readonly urgent: boolean;
  readonly task_id: string | null;
}

export interface BacklogEntry {
  readonly task_id: string;
  readonly description: string;
  readonly tags: readonly string[];
}

/** One run of an agent's command for one task. */
export interface Round {
  readonly agent_id: string;
  readonly n: number;
  readonly task_id: string;
  readonly pid: number | null;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly exit_code: number | null;
  readonly signal: string | null;
  readonly log: string;
}

export type EventKind = 'agent' | 'task' | 'message' | 'backlog';

export interface TownEvent {
  /** Increases by one per change and keeps increasing across restarts (stored with the change). */
  readonly id: number;
  readonly kind: EventKind;
  readonly type: string;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export function summarize(type: MessageType, body: string): string {
  const text = body.length > 72 ? `${body.slice(0, 72)}...` : body;
  return type === 'confirmation' || type.startsWith('custom:') || text === '' ? type : `${type}: ${text}`;
}
