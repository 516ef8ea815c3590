/**
 * The response schemas of the town routes (Tinytown's townhall API, wire/tinytown.md, plus taho's
 * own), keyed by route as the scope table is. Objects allow more members than they list: taho
 * adds fields (counters, pids) a Tinytown client ignores.
 */
import { obj, arrayOf, nullable, text, STR, INT, BOOL, DATE, type Responses } from './schema.js';
import { AGENT_STATES, TASK_STATES } from '../../core/town/model.js';

const agentState = { type: 'string', enum: AGENT_STATES } as const;
const taskState = { type: 'string', enum: TASK_STATES } as const;
/** Tinytown's inbox types (task_assign, query, info, …, custom:<name>); the title names the TypeScript type. */
const messageType = { title: 'MessageType', type: 'string', description: 'task_assign, task, query, info, confirmation, task_done, task_failed, status_request, status_response, ping, pong, shutdown or custom:<name>' } as const;

const briefFields = {
  id: STR, name: STR, nickname: nullable(STR), role_id: nullable(STR), parent_agent_id: nullable(STR),
  spawn_mode: { type: 'string', enum: ['fresh', 'forkedcontext', 'resumed'] }, cli: STR,
  state: agentState, current_scope: { type: 'null' },
} as const;
const nodeField = { node: { type: 'string', description: 'taho, in a cluster: the node that runs the agent\'s rounds' } } as const;
const agentBrief = obj(briefFields, nodeField);

const agentStatus = obj({
  ...briefFields, rounds_completed: INT, tasks_completed: INT, inbox_len: INT, urgent_len: INT,
  current_task: nullable(STR), last_heartbeat: DATE, created_at: DATE, last_active_at: DATE, max_rounds: nullable(INT), pid: nullable(INT), last_exit_code: nullable(INT),
}, nodeField);

const agent = obj({
  id: STR, name: STR, nickname: nullable(STR), role_id: nullable(STR), parent_agent_id: nullable(STR), spawn_mode: agentBrief.properties.spawn_mode, cli: STR,
  state: agentState, current_task: nullable(STR), rounds_completed: INT, tasks_completed: INT, created_at: DATE, last_heartbeat: DATE, last_active_at: DATE,
  max_rounds: nullable(INT), pid: nullable(INT), last_exit_code: nullable(INT),
}, nodeField);

const task = obj({
  id: STR, description: STR, state: taskState, assigned_to: nullable(STR), created_at: DATE, updated_at: DATE, result: nullable(STR), tags: arrayOf(STR),
  started_at: nullable(DATE), completed_at: nullable(DATE), parent_id: nullable(STR),
});

const round = obj({ agent_id: STR, n: INT, task_id: STR, started_at: DATE, pid: nullable(INT), ended_at: nullable(DATE), exit_code: nullable(INT), signal: nullable(STR), log: STR });
const REASONS = [
  'finished', 'in_backlog', 'no_idle_agent', 'no_idle_agent_with_role', 'queued_behind', 'agent_busy', 'agent_paused', 'agent_draining', 'agent_dead',
  'agent_missing', 'process_gone', 'dispatcher_stalled', 'next_dispatch', 'running',
] as const;
const reason = obj({ code: { type: 'string', enum: REASONS }, message: STR });
const heldTask = obj({ task_id: STR, description: STR, state: taskState, agent_id: STR, agent_name: STR, agent_state: agentState });

const explanation = {
  oneOf: [
    obj({
      kind: { const: 'task' }, task, location: { type: 'string', enum: ['backlog', 'inbox', 'agent', 'finished', 'nowhere'] }, waiting_for: arrayOf(reason),
      agent: nullable(obj({ id: STR, name: STR, state: agentState })), inbox_position: nullable(INT), round: nullable(round),
    }),
    obj({
      kind: { const: 'agent' }, agent, inbox: obj({ total: INT, urgent: INT, work: INT }), last_heartbeat: DATE, heartbeat_age_ms: INT, waiting_for: arrayOf(reason),
      process: nullable(obj({ pid: INT, alive: BOOL })), current_task: nullable(task), last_round: nullable(round),
    }),
  ],
} as const;

const town = { name: STR, root: STR, redis_url: { type: 'string', description: 'Tinytown\'s store address; taho\'s store (a SQLite file or a Redis URL, redacted).' } } as const;

export const TOWN_RESPONSES = {
  'GET /api/scaling': {
    200: obj({
      town: STR, timestamp: DATE, queue_depth: INT, pending_tasks: INT, in_flight_tasks: INT, active_agents: INT, cold_agents: INT,
      desired_agents: INT, max_agents: INT, scaling_recommendation: { type: 'string', enum: ['scale_up', 'steady', 'scale_down', 'scale_to_zero'] },
    }),
  },
  'GET /metrics': { 200: text('text/plain', 'Prometheus text exposition format 0.0.4') },
  'GET /v1/town': { 200: obj(town) },
  'GET /v1/status': { 200: obj({ ...town, agent_count: INT, agents: arrayOf(agentStatus) }) },
  'GET /v1/agents': { 200: obj({ agents: arrayOf(agentBrief), count: INT }) },
  'POST /v1/agents': { 201: obj({ agent_id: STR, name: STR, cli: STR, role_id: nullable(STR), nickname: nullable(STR), parent_agent_id: nullable(STR) }) },
  'GET /v1/tasks/pending': { 200: obj({ tasks: arrayOf(obj({ task_id: STR, description: STR, agent_id: STR, agent_name: STR })), count: INT }) },
  'GET /v1/tasks': { 200: obj({ tasks: arrayOf(task), count: INT }, { next: INT }) },
  'GET /v1/tasks/:id': { 200: task },
  'POST /v1/tasks/:id/complete': { 200: task },
  'GET /v1/backlog': { 200: obj({ backlog: arrayOf(obj({ task_id: STR, description: STR, tags: arrayOf(STR) })), count: INT }) },
  'POST /v1/backlog': { 201: obj({ task_id: STR, description: STR }) },
  'GET /v1/agents/:agent/inbox': { 200: inbox() },
  'POST /v1/agents/:agent/inbox': { 200: inbox() },
  'GET /v1/explain/:id': { 200: explanation },
  'GET /v1/agents/:agent/logs': { 200: text('text/plain', 'The round\'s log') },
  'POST /v1/tasks/assign': { 201: obj({ task_id: STR, agent_id: STR, agent_name: STR }) },
  'POST /v1/backlog/assign-all': { 200: obj({ assigned: INT, tasks: arrayOf(STR) }) },
  'POST /v1/backlog/:task_id/claim': { 200: obj({ task_id: STR, agent_id: STR, agent_name: STR }) },
  'DELETE /v1/backlog/:task_id': { 200: obj({ removed: { const: true }, task_id: STR }) },
  'POST /v1/messages/send': { 201: obj({ message_id: STR, to_agent: STR, urgent: BOOL }) },
  'POST /v1/agents/:agent/kill': { 200: obj({ status: { const: 'stopped' }, agent: STR }) },
  'POST /v1/agents/:agent/restart': { 200: obj({ status: { const: 'restarted' }, agent: STR }) },
  'POST /v1/agents/prune': { 200: obj({ removed: INT, agents: arrayOf(STR) }) },
  'POST /v1/recover': {
    200: obj({
      checked: INT, recovered: INT, agents: arrayOf(STR),
      details: arrayOf(obj({ agent_id: STR, name: STR, from: agentState, state: { type: 'string', enum: ['Error', 'Stopped'] }, reason: { type: 'string', enum: ['process_gone', 'heartbeat_stale', 'node_gone'] } })),
    }, { dry_run: { const: true } }),
  },
  'POST /v1/reclaim': { 200: obj({ reclaimed: INT, destination: STR, tasks: arrayOf(heldTask) }) },
  'POST /v1/reclaim/orphan-tasks': {
    200: obj({ action: { type: 'string', enum: ['list', 'to_backlog', 'cancel', 'delete'] }, count: INT, orphans: arrayOf(obj({ task_id: STR, assigned_to: nullable(STR), state: taskState, reason: { type: 'string', enum: ['agent_missing', 'agent_terminal'] } })) }),
  },
  'GET /v1/events': { 200: text('text/event-stream', '`id`, `event` (the kind) and `data` (the event as JSON) per event; `event: end` closes a finite read') },
} as const satisfies Responses;

function inbox() {
  return obj({
    agent: STR, total: INT, urgent: INT,
    messages: arrayOf(obj({ id: STR, from: STR, type: messageType, summary: STR, urgent: BOOL, task_id: nullable(STR) })),
  });
}
