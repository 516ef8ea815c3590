import type { Requirement } from '../../core/auth/scopes.js';

/**
 * The one table of what every route needs. Reads → town.read; invocations and other writes →
 * town.write; lifecycle of services, agents, components, job stop → agent.manage; reload,
 * config, keys → admin. A route missing here fails the server at start (see auth hook), and a
 * test walks the OpenAPI document against it.
 */
export const ROUTE_SCOPES: Readonly<Record<string, Requirement>> = {
  'GET /health': 'public',
  'GET /healthz': 'public',
  'GET /ready': 'public',
  'GET /readyz': 'public',
  'GET /openapi.json': 'public',
  'PUT /api/v1/orchestrator/jobs': 'town.write',
  'POST /api/v1/orchestrator/jobs': 'town.write',
  'GET /api/v1/orchestrator/jobs': 'town.read',
  'PUT /api/v1/orchestrator/jobs/diff': 'town.read',
  'GET /api/v1/orchestrator/jobs/:id': 'town.read',
  'DELETE /api/v1/orchestrator/jobs/:id': 'agent.manage',
  'GET /api/v1/orchestrator/jobs/:id/executions': 'town.read',
  'GET /api/v1/orchestrator/jobs/:id/history': 'town.read',
  'GET /api/v1/orchestrator/jobs/:id/results': 'town.read',
  'GET /api/v1/orchestrator/jobs/:id/versions': 'town.read',
  'GET /api/v1/orchestrator/jobs/:id/explain': 'town.read',
  'GET /api/v1/orchestrator/jobs/:id/logs': 'town.read',
  'PUT /api/v1/orchestrator/jobs/:id/rerun': 'town.write',
  'GET /api/v1/orchestrator/nodes': 'town.read',
  'GET /api/v1/orchestrator/nodes/:id': 'town.read',
  'GET /api/v1/agent/alive': 'public',
  'GET /api/v1/agent/version': 'public',
  'GET /api/v1/agent/node': 'town.read',
  'GET /api/v1/agent/config': 'admin',
  'GET /api/services': 'town.read',
  'GET /api/services/:domain/:service': 'town.read',
  'POST /api/services/:domain/:service/invoke/:method': 'town.write',
  'POST /api/services/:domain/:service/restart': 'agent.manage',
  'PUT /api/services/:domain/:service/quiesce': 'agent.manage',
  'POST /api/reload': 'admin',
  'GET /api/components': 'town.read',
  'GET /api/components/:ref': 'town.read',
  'GET /api/config': 'admin',
  'GET /v1/components': 'town.read',
  'POST /v1/components': 'agent.manage',
  'GET /v1/components/:component_id': 'town.read',
  'GET /v1/components/:component_id/latest': 'town.read',
  'POST /v1/components/:component_id/workers': 'agent.manage',
  'GET /v1/components/:component_id/workers': 'town.read',
  'POST /v1/components/:component_id/workers/find': 'town.read',
  'GET /v1/components/:component_id/workers/:worker_name': 'town.read',
  'DELETE /v1/components/:component_id/workers/:worker_name': 'agent.manage',
  'POST /v1/components/:component_id/workers/:worker_name/invoke': 'town.write',
  'POST /v1/components/:component_id/workers/:worker_name/invoke-and-await': 'town.write',
  'DELETE /v1/components/:component_id/workers/:worker_name/invocations/:idempotency_key': 'town.write',
  'GET /v1/components/:component_id/workers/:worker_name/oplog': 'town.read',
  'POST /v1/components/:component_id/workers/:worker_name/interrupt': 'agent.manage',
  'POST /v1/components/:component_id/workers/:worker_name/resume': 'agent.manage',
};

/** HEAD shares its GET's requirement; OPTIONS (CORS preflight) carries no credentials by design. */
export function requirementOf(method: string, url: string): Requirement | undefined {
  if (method === 'OPTIONS') return 'public';
  return ROUTE_SCOPES[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}
