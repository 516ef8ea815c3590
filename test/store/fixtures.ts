import { randomUUID } from 'node:crypto';
import type { Execution, Job } from '../../src/core/jobs/model.js';
import type { Agent, Message, Task } from '../../src/core/town/model.js';

/** Plain domain objects for the conformance suite: what the domain code would hand a store. */
export function townAgent(name: string, over: Partial<Agent> = {}): Agent {
  const now = new Date().toISOString();
  return {
    id: randomUUID(), name, nickname: null, role_id: null, parent_agent_id: null, spawn_mode: 'fresh', cli: 'claude',
    state: 'Idle', current_task: null, rounds_completed: 0, tasks_completed: 0, created_at: now, last_heartbeat: now,
    last_active_at: now, max_rounds: null, pid: null, last_exit_code: null, ...over,
  };
}

export function townTask(description: string, over: Partial<Task> = {}): Task {
  const now = new Date().toISOString();
  return {
    id: randomUUID(), description, state: 'pending', assigned_to: null, created_at: now, updated_at: now, started_at: null,
    completed_at: null, result: null, parent_id: null, tags: [], ...over,
  };
}

export function message(to: string, taskId: string | null, body = 'do it', urgent = false): Message {
  return {
    id: randomUUID(), from: '00000000-0000-0000-0000-000000000001', to, type: taskId === null ? 'info' : 'task_assign',
    priority: urgent ? 'urgent' : 'normal', body, task_id: taskId, created_at: new Date().toISOString(), correlation_id: null,
  };
}

let ns = 1_700_000_000_000_000_000;
export function job(over: Partial<Job> = {}): Job {
  ns += 1000;
  const id = `j-${randomUUID()}`;
  return {
    ID: id, Name: id, Namespace: 'default', Type: 'batch', Priority: 0, Count: 1, Constraints: [], Meta: {}, Labels: {},
    Tasks: [{ Name: 'main', Engine: { Type: 'wasm' } }], State: { StateType: 'Pending' }, Version: 1, Revision: 1,
    CreateTime: ns, ModifyTime: ns, ...over,
  };
}

export function execution(j: Job, over: Partial<Execution> = {}): Execution {
  ns += 1000;
  return {
    ID: `e-${randomUUID()}`, Namespace: j.Namespace, EvalID: `v-${randomUUID()}`, Name: j.Name, NodeID: 'n-1', JobID: j.ID,
    JobVersion: j.Version, AllocatedResources: { Tasks: {} }, DesiredState: { StateType: 1 }, ComputeState: { StateType: 5 },
    PublishedResult: null, RunOutput: null, PreviousExecution: '', NextExecution: '', FollowupEvalID: '', Revision: 1,
    CreateTime: ns, ModifyTime: ns, ...over,
  };
}

export function history(j: Job, message: string) {
  const at = new Date().toISOString();
  return { Type: 'JobLevel' as const, JobID: j.ID, JobVersion: j.Version, Event: { Message: message, Topic: 'Test', Timestamp: at }, Time: at };
}
