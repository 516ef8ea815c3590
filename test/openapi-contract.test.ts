import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';

type Operation = {
  responses?: Record<string, { content?: Record<string, { schema?: object }> }>;
  requestBody?: { content?: Record<string, { schema?: object }> };
};
type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, object> } };

/** Operations that take no body, and why: everything else that is a POST or PUT must document one. */
const BODYLESS: Readonly<Record<string, string>> = {
  'PUT /api/services/{domain}/{service}/quiesce': 'an action on the service named in the path',
  'POST /api/reload': 'rescans the configured repositories',
  'POST /v1/components': 'multipart (name, component) or raw bytes with ?name=, listed in the operation\'s content types',
  'POST /v1/components/{component_id}/workers/{worker_name}/interrupt': 'Golem\'s action on the worker in the path',
  'POST /v1/components/{component_id}/workers/{worker_name}/resume': 'Golem\'s action on the worker in the path',
  'POST /v1/agents/{agent}/inbox': 'Tinytown peeks the inbox with POST too',
  'POST /v1/agents/{agent}/kill': 'an action on the agent in the path',
  'POST /v1/agents/{agent}/restart': 'an action on the agent in the path',
  'POST /v1/recover': 'recovers every agent',
  'POST /v1/reclaim/orphan-tasks': 'Tinytown\'s body is optional ({action}); absent, it lists',
};

const ERRORS = ['400', '401', '403', '404', '409', '413', '429', '500', '503'];

let server: Server;
let doc: Doc;

beforeAll(async () => {
  server = await startServer({ dataDir: join(tempDir('taho-contract-'), 'data') });
  doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const operations = () => Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).filter(([m]) => m !== 'head').map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, method, op })));

describe('the API contract in /openapi.json (#16)', () => {
  it('gives every operation a success response with a schema', () => {
    const missing = operations().filter(({ op }) => !Object.entries(op.responses ?? {}).some(([s, r]) => s.startsWith('2') && Object.values(r.content ?? {}).some((c) => c.schema !== undefined)));
    expect(missing.map((o) => o.id)).toEqual([]);
    expect(operations().length).toBeGreaterThan(70);
  });

  it('documents every error status in the family\'s own error shape', () => {
    const missing = operations().flatMap(({ id, op }) => ERRORS.filter((s) => op.responses?.[s]?.content?.['application/json']?.schema === undefined).map((s) => `${id} ${s}`));
    expect(missing).toEqual([]);
    // Error bodies are shared components: follow the $ref to the family's schema.
    const errorOf = (id: string) => {
      const schema = operations().find((o) => o.id === id)?.op.responses?.['404']?.content?.['application/json']?.schema as { $ref?: string } | undefined;
      const name = schema?.$ref?.split('/').at(-1);
      return JSON.stringify(name === undefined ? schema : doc.components?.schemas?.[name]);
    };
    expect(errorOf('GET /v1/tasks/{id}')).toContain('"detail"'); // Tinytown ProblemDetails
    expect(errorOf('GET /api/v1/orchestrator/jobs/{id}')).toContain('"Message"'); // Bacalhau APIError
    expect(errorOf('GET /v1/components/{component_id}/latest')).toContain('"workerError"'); // Golem
    expect(errorOf('GET /api/services/{domain}/{service}')).toContain('"hint"'); // TAHO
  });

  it('documents a request body for every operation that takes one', () => {
    const missing = operations().filter(({ id, method, op }) => (method === 'post' || method === 'put') && op.requestBody === undefined && BODYLESS[id] === undefined);
    expect(missing.map((o) => o.id)).toEqual([]);
  });

  it('says 201 where Tinytown answers 201 (assign, backlog add, send, spawn)', () => {
    for (const id of ['POST /v1/tasks/assign', 'POST /v1/backlog', 'POST /v1/messages/send', 'POST /v1/agents']) {
      const op = operations().find((o) => o.id === id)?.op;
      expect(Object.keys(op?.responses ?? {}).filter((s) => s.startsWith('2')), id).toEqual(['201']);
    }
  });
});
