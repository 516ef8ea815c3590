import { describe, expect, it } from 'vitest';
import { TahoError } from '../errors.js';
import type { Agent, AgentState, Task, TaskState } from './model.js';
import * as t from './transitions.js';

const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T00:01:00.000Z';

function agent(state: AgentState = 'Idle', extra: Partial<Agent> = {}): Agent {
  return { ...t.newAgent({ id: 'a1', name: 'alice', nickname: null, role_id: null, parent_agent_id: null, cli: 'script', max_rounds: null }, NOW), state, ...extra };
}
function task(state: TaskState = 'pending', extra: Partial<Task> = {}): Task {
  return { ...t.newTask({ id: 't1', description: 'do it', tags: [] }, NOW), state, ...extra };
}
function refused(outcome: unknown): TahoError {
  expect(outcome).toBeInstanceOf(TahoError);
  const e = outcome as TahoError;
  expect(e.code).toBe('TAHO_CONFLICT');
  expect(e.hint).toBeTruthy();
  return e;
}

describe('agent transitions', () => {
  it('a new agent is idle with no round and Tinytown fields', () => {
    const a = agent();
    expect(a).toMatchObject({ state: 'Idle', spawn_mode: 'fresh', current_task: null, rounds_completed: 0, tasks_completed: 0, created_at: NOW });
  });

  it('startRound takes an idle agent and its assigned task to Working/running', () => {
    const out = t.unwrap(t.startRound(agent(), task('assigned', { assigned_to: 'a1' }), LATER));
    expect(out.agent).toMatchObject({ state: 'Working', current_task: 't1' });
    expect(out.task).toMatchObject({ state: 'running', started_at: LATER, updated_at: LATER });
  });

  it.each(['Working', 'Paused', 'Draining', 'Stopped', 'Error', 'Cold'] as const)('startRound refuses a %s agent', (s) => {
    const e = refused(t.startRound(agent(s), task('assigned', { assigned_to: 'a1' }), NOW));
    expect(e.message).toContain(`it is ${s}`);
  });

  it('startRound refuses a task that is not assigned to that agent', () => {
    refused(t.startRound(agent(), task('assigned', { assigned_to: 'other' }), NOW));
    refused(t.startRound(agent(), task('pending'), NOW));
    refused(t.startRound(agent(), task('completed', { assigned_to: 'a1' }), NOW));
  });

  it('finishRound counts rounds, counts tasks only on exit 0, and returns to Idle', () => {
    const working = agent('Working', { current_task: 't1', pid: 42 });
    expect(t.unwrap(t.finishRound(working, 0, LATER))).toMatchObject({ state: 'Idle', current_task: null, pid: null, rounds_completed: 1, tasks_completed: 1, last_exit_code: 0 });
    expect(t.unwrap(t.finishRound(working, 2, LATER))).toMatchObject({ state: 'Idle', rounds_completed: 1, tasks_completed: 0, last_exit_code: 2 });
  });

  it('finishRound stops an agent at max_rounds, a draining one always, and keeps a paused one paused', () => {
    expect(t.unwrap(t.finishRound(agent('Working', { current_task: 't1', max_rounds: 2, rounds_completed: 1 }), 0, LATER)).state).toBe('Stopped');
    expect(t.unwrap(t.finishRound(agent('Working', { current_task: 't1', max_rounds: 3, rounds_completed: 1 }), 0, LATER)).state).toBe('Idle');
    expect(t.unwrap(t.finishRound(agent('Draining', { current_task: 't1' }), 0, LATER)).state).toBe('Stopped');
    expect(t.unwrap(t.finishRound(agent('Paused', { current_task: 't1' }), 0, LATER)).state).toBe('Paused');
  });

  it('finishRound refuses when no round runs', () => {
    refused(t.finishRound(agent('Idle'), 0, NOW));
    refused(t.finishRound(agent('Stopped', { current_task: 't1' }), 0, NOW));
  });

  it('pause and resume: a paused agent with a round resumes Working, without one Idle', () => {
    expect(t.unwrap(t.pause(agent('Idle'), NOW)).state).toBe('Paused');
    const p = t.unwrap(t.pause(agent('Working', { current_task: 't1' }), NOW));
    expect(p).toMatchObject({ state: 'Paused', current_task: 't1' });
    expect(t.unwrap(t.resume(p, NOW)).state).toBe('Working');
    expect(t.unwrap(t.resume(agent('Paused'), NOW)).state).toBe('Idle');
    refused(t.resume(agent('Idle'), NOW));
    refused(t.pause(agent('Stopped'), NOW));
    refused(t.pause(agent('Error'), NOW));
  });

  it('drain stops an idle agent at once and lets a working one finish', () => {
    expect(t.unwrap(t.drain(agent('Idle'), NOW)).state).toBe('Stopped');
    expect(t.unwrap(t.drain(agent('Working', { current_task: 't1' }), NOW)).state).toBe('Draining');
    refused(t.drain(agent('Stopped'), NOW));
  });

  it('kill stops any live agent, keeps the held task for reclaim, refuses a stopped one', () => {
    for (const s of ['Idle', 'Working', 'Paused', 'Draining', 'Error', 'Cold', 'Starting'] as const) {
      expect(t.unwrap(t.kill(agent(s, { current_task: 't1', pid: 9 }), NOW))).toMatchObject({ state: 'Stopped', current_task: 't1', pid: null });
    }
    refused(t.kill(agent('Stopped'), NOW));
  });

  it('restart always lands Idle with no round', () => {
    expect(t.restart(agent('Error', { current_task: 't1', pid: 3 }), LATER)).toMatchObject({ state: 'Idle', current_task: null, pid: null, last_heartbeat: LATER });
  });

  it('markLost marks active agents only', () => {
    expect(t.unwrap(t.markLost(agent('Working', { pid: 5, current_task: 't1' }), 'Error', NOW))).toMatchObject({ state: 'Error', pid: null, current_task: 't1' });
    expect(t.unwrap(t.markLost(agent('Working'), 'Stopped', NOW)).state).toBe('Stopped');
    refused(t.markLost(agent('Stopped'), 'Error', NOW));
    refused(t.markLost(agent('Error'), 'Error', NOW));
  });

  it('recordPid needs a round; heartbeat only moves the time', () => {
    expect(t.unwrap(t.recordPid(agent('Working', { current_task: 't1' }), 77, LATER))).toMatchObject({ pid: 77, last_heartbeat: LATER });
    refused(t.recordPid(agent('Idle'), 77, LATER));
    expect(t.heartbeat(agent(), LATER)).toEqual({ ...agent(), last_heartbeat: LATER });
  });
});

describe('task transitions', () => {
  it('assign moves pending (and held) tasks to an agent; finished tasks and dead agents refuse', () => {
    expect(t.unwrap(t.assignTask(task('pending'), agent(), LATER))).toMatchObject({ state: 'assigned', assigned_to: 'a1', updated_at: LATER });
    expect(t.unwrap(t.assignTask(task('running', { assigned_to: 'x', started_at: NOW }), agent(), LATER))).toMatchObject({ state: 'assigned', assigned_to: 'a1', started_at: null });
    for (const s of ['completed', 'failed', 'cancelled'] as const) refused(t.assignTask(task(s), agent(), NOW));
    refused(t.assignTask(task('pending'), agent('Stopped'), NOW));
    refused(t.assignTask(task('pending'), agent('Error'), NOW));
  });

  it('requeue puts an unfinished task back unassigned', () => {
    expect(t.unwrap(t.requeueTask(task('running', { assigned_to: 'a1' }), LATER))).toMatchObject({ state: 'pending', assigned_to: null });
    refused(t.requeueTask(task('completed'), NOW));
  });

  it('complete, fail and cancel end unfinished tasks once', () => {
    expect(t.unwrap(t.completeTask(task('running'), 'ok', LATER))).toMatchObject({ state: 'completed', result: 'ok', completed_at: LATER });
    expect(t.unwrap(t.failTask(task('running'), 'exit code 2', LATER))).toMatchObject({ state: 'failed', result: 'exit code 2' });
    expect(t.unwrap(t.cancelTask(task('pending'), LATER))).toMatchObject({ state: 'cancelled', completed_at: LATER });
    for (const s of ['completed', 'failed', 'cancelled'] as const) {
      refused(t.completeTask(task(s), 'x', NOW));
      refused(t.failTask(task(s), 'x', NOW));
      refused(t.cancelTask(task(s), NOW));
    }
  });

  it('unwrap throws the refusal', () => {
    expect(() => t.unwrap(t.cancelTask(task('completed'), NOW))).toThrow(/cannot cancel task t1: it is completed/);
  });
});
