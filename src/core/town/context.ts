import { randomUUID } from 'node:crypto';
import type { TownStore } from '../store/ports/index.js';
import type { TownDraft } from './draft.js';
import type { Agent, EventKind, Message, MessageType, Priority } from './model.js';

/** Records an event with the change being drafted; it is stored only if the change commits. */
export type Emit = (kind: EventKind, type: string, data: Readonly<Record<string, unknown>>) => void;

/** What the town's helper modules share: the store and a way to write with events. */
export interface TownContext {
  readonly store: TownStore;
  now(): string;
  /**
   * Drafts a change with `fn` and applies it as one atomic write with its events; when another
   * writer changed what the draft read, drafts it again. `fenced`: a write of the dispatcher,
   * refused when this process lost the town lease.
   */
  write<T>(fn: (d: TownDraft, emit: Emit) => Promise<T>, options?: { fenced?: boolean }): Promise<T>;
}

export function newMessage(fields: { from: string; to: string; type: MessageType; body: string; urgent: boolean; task_id: string | null }, now: string): Message {
  const priority: Priority = fields.urgent ? 'urgent' : 'normal';
  return { id: randomUUID(), from: fields.from, to: fields.to, type: fields.type, priority, body: fields.body, task_id: fields.task_id, created_at: now, correlation_id: null };
}

/** Puts a task-carrying message in the agent's inbox and records both changes. */
export function deliver(d: TownDraft, emit: Emit, agent: Agent, message: Message, front = false): void {
  d.needsOnlyAlive(agent.id);
  d.inboxPush(agent.id, message, message.priority === 'urgent', front);
  emit('message', 'sent', { message_id: message.id, from: message.from, to: agent.id, to_name: agent.name, type: message.type, urgent: message.priority === 'urgent', task_id: message.task_id, ...nodeOf(agent) });
}

export function agentChanged(emit: Emit, before: Agent, after: Agent, type = 'state'): void {
  emit('agent', type, { agent_id: after.id, name: after.name, from: before.state, state: after.state, current_task: after.current_task, ...nodeOf(after) });
}

/** In a cluster, the node an event's agent runs on: only that node's dispatcher needs waking. */
function nodeOf(agent: Agent): { node?: string } {
  return agent.node ? { node: agent.node } : {};
}
