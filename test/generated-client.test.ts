import { join } from 'node:path';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from './generated/taho-api.js';
import { tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';

// A client generated from taho's own /openapi.json (openapi-typescript types, scripts/gen-api-types.mjs,
// run by `npm test` before the type check) driving each family. The type check of this file is
// half of the test: a body the document leaves untyped would not compile where its fields are read.

let server: Server;
let api: ReturnType<typeof createClient<paths>>;

beforeAll(async () => {
  server = await startServer({ dataDir: join(tempDir('taho-gen-client-'), 'data') });
  api = createClient<paths>({ baseUrl: server.url });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('a client generated from /openapi.json', () => {
  it('invokes a TAHO service', async () => {
    const { data, error } = await api.POST('/api/services/{domain}/{service}/invoke/{method}', {
      params: { path: { domain: 'example', service: 'hello', method: 'greet' } },
      body: 'World',
    });
    expect(error).toBeUndefined();
    expect(data?.result).toBe('Hello, World!');
  });

  it('finds a component by name and calls a durable agent (Golem)', async () => {
    const list = await api.GET('/v1/components', { params: { query: { 'component-name': 'example/counter' } } });
    const component = list.data?.[0];
    expect(component?.componentName).toBe('example/counter');
    expect(typeof component?.metadata.binaryWit).toBe('string');
    const id = component?.versionedComponentId.componentId ?? '';
    const call = await api.POST('/v1/components/{component_id}/workers/{worker_name}/invoke-and-await', {
      params: { path: { component_id: id, worker_name: 'gen-1' }, query: { function: 'increment' } },
      body: { params: [{ value: 3 }] },
    });
    expect(call.data?.result?.value).toBe(3);
    const oplog = await api.GET('/v1/components/{component_id}/workers/{worker_name}/oplog', {
      params: { path: { component_id: id, worker_name: 'gen-1' }, query: { count: '10' } },
    });
    expect(oplog.data?.entries.map((e) => e.entry.type)).toEqual(['Create', 'ExportedFunctionInvoked', 'ExportedFunctionCompleted']);
    const missing = await api.GET('/v1/components/{component_id}/workers/{worker_name}', { params: { path: { component_id: id, worker_name: 'none' } } });
    expect(missing.error?.code).toBe('TAHO_AGENT_NOT_FOUND');
  });

  it('spawns a town agent, fills the backlog and reads it (Tinytown)', async () => {
    const spawned = await api.POST('/v1/agents', { body: { name: 'gen-agent', cli: 'component:example/reviewer' } });
    expect(spawned.response.status).toBe(201);
    expect(spawned.data?.name).toBe('gen-agent');
    const added = await api.POST('/v1/backlog', { body: { description: 'review the generated client', tags: ['gen'] } });
    const taskId = added.data?.task_id ?? '';
    const backlog = await api.GET('/v1/backlog');
    expect(backlog.data?.backlog.map((t) => t.task_id)).toContain(taskId);
    const missing = await api.GET('/v1/tasks/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
    expect(missing.error?.code).toBe('TAHO_TASK_NOT_FOUND');
  });

  it('submits a job, lists and describes it (Bacalhau)', async () => {
    const submitted = await api.PUT('/api/v1/orchestrator/jobs', {
      body: { Job: { Name: 'gen-job', Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} } }] } },
    });
    const jobId = submitted.data?.JobID ?? '';
    expect(jobId).toMatch(/^j-/);
    const described = await api.GET('/api/v1/orchestrator/jobs/{id}', { params: { path: { id: jobId } } });
    expect(described.data?.Job.Name).toBe('gen-job');
    const listed = await api.GET('/api/v1/orchestrator/jobs');
    expect(listed.data?.Items.map((j) => j.ID)).toContain(jobId);
    const missing = await api.GET('/api/v1/orchestrator/jobs/{id}', { params: { path: { id: 'j-nope' } } });
    expect(missing.error?.Details?.code).toBe('TAHO_JOB_NOT_FOUND');
  });
});
