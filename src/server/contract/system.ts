/** The response schemas of health, readiness and the invocation stats (public, cheap routes). */
import type { Responses } from './schema.js';

const healthSchema = {
  type: 'object',
  required: ['status', 'uptime_secs'],
  properties: { status: { type: 'string', enum: ['ok'] }, uptime_secs: { type: 'integer' } },
} as const;

const readySchema = {
  type: 'object',
  required: ['status', 'services', 'dispatcher', 'town'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    services: { type: 'integer', description: 'services loaded' },
    redis: { type: 'string', description: 'Tinytown\'s field: "connected" or "disconnected" on a Redis store, "not_used" on SQLite' },
    store: { type: 'string' },
    store_latency_ms: { type: 'number' },
    redis_latency_ms: { type: 'number' },
    dispatcher: { type: 'string', enum: ['idle', 'running', 'stalled', 'unknown'] },
    town: { type: 'string' },
    auth: { type: 'string', description: 'taho: the auth mode (none, api_key, …)' },
    store_location: { type: 'string', description: 'taho: the store\'s file or URL' },
    reason: { type: 'string', description: 'taho: why the store cannot take writes (not_ready)' },
    hint: { type: 'string', description: 'taho: what to do about it' },
  },
} as const;

const series = { type: 'array', items: { type: 'number' } } as const;
const statsSchema = {
  type: 'object',
  required: ['invocations'],
  properties: {
    invocations: {
      type: 'object',
      required: ['window_s', 'per_second', 'errors_per_second', 'count', 'errors', 'p50_ms', 'p99_ms'],
      properties: {
        window_s: { type: 'integer' },
        per_second: series,
        errors_per_second: series,
        count: { type: 'integer' },
        errors: { type: 'integer' },
        p50_ms: { type: ['number', 'null'] },
        p99_ms: { type: ['number', 'null'] },
      },
    },
  },
} as const;

export const SYSTEM_RESPONSES = {
  'GET /health': { 200: healthSchema },
  'GET /healthz': { 200: healthSchema },
  'GET /ready': { 200: readySchema, 503: readySchema },
  'GET /readyz': { 200: readySchema, 503: readySchema },
  'GET /v1/stats': { 200: statsSchema },
} as const satisfies Responses;
