import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ROOT, tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';

/*
 * Bacalhau's orchestrator and agent API over real HTTP, field for field against
 * ../shared/wire/bacalhau.md (cited below as "wire §n").
 */

// ---- wire types (only what the tests read) ----

interface State<T> { StateType: T; Message?: string; Details?: Record<string, string> }
interface Task { Name: string; Engine: { Type: string; Params?: Record<string, unknown> }; Publisher?: { Type: string; Params?: Record<string, unknown> }; [k: string]: unknown }
interface Job {
  ID: string; Name: string; Namespace: string; Type: string; Priority: number; Count: number;
  Constraints: { Key: string; Operator: string; Values?: string[] }[]; Meta: Record<string, string>; Labels: Record<string, string>;
  Tasks: Task[]; State: State<string>; Version: number; Revision: number; CreateTime: number; ModifyTime: number;
}
interface Execution {
  ID: string; Namespace: string; EvalID: string; Name: string; NodeID: string; JobID: string; JobVersion: number;
  AllocatedResources: { Tasks: Record<string, unknown> }; DesiredState: State<number>; ComputeState: State<number>;
  PublishedResult: unknown; RunOutput: { Stdout: string; StdoutTruncated: boolean; stderr: string; StderrTruncated: boolean; ExitCode: number; ErrorMsg: string } | null;
  Revision: number; CreateTime: number; ModifyTime: number; [k: string]: unknown;
}
interface History {
  SeqNum: number; Type: string; JobID: string; JobVersion: number; ExecutionID?: string;
  Event: { Message: string; Topic: string; Timestamp: string; Details?: Record<string, string> };
  Time: string; JobState?: { Previous: string; New: string }; ExecutionState?: { Previous: number; New: number };
}
interface Page<T> { Items: T[]; NextToken: string }
interface ApiError { Status: number; Message: string; RequestID: string; Code: string; Component: string; Hint?: string; Details?: Record<string, string> }
interface Reply<T> { status: number; headers: Headers; text: string; body: T }
interface NodeStateWire {
  Info: { NodeID: string; NodeType: string; Labels: Record<string, string>; ComputeNodeInfo: { ExecutionEngines: string[]; RunningExecutions: number; [k: string]: unknown }; [k: string]: unknown };
  Membership: string; Connection: string; ConnectionState: { Status: string; [k: string]: unknown };
}

// ---- helpers ----

const HELLO = join(ROOT, 'examples/jobs/wasm/hello-wasi.wasm');
const HELLO_INLINE = `data:application/wasm;base64,${readFileSync(HELLO).toString('base64')}`;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const JOB_ID = new RegExp(`^j-${UUID}$`);
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const TERMINAL = ['Completed', 'Failed', 'Stopped'];
const ComputeState = { Running: 6, Completed: 9, Failed: 10, Cancelled: 11 } as const;
const PKG_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const work = tempDir('taho-jobs-api-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const unb64 = (s: string) => Buffer.from(s, 'base64url').toString('utf8');
const uniq = () => Math.random().toString(36).slice(2, 10);

async function call<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed as T };
}

const orch = (s: Server) => `${s.url}/api/v1/orchestrator`;
const agent = (s: Server) => `${s.url}/api/v1/agent`;

function noopJob(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} } }], ...extra };
}

/** hello-wasi as a `local` input (or inline); `args[0]` "loop"/"fail" picks its failure modes. */
function wasmJob(args: string[], o: { task?: Record<string, unknown>; job?: Record<string, unknown>; inline?: boolean } = {}): Record<string, unknown> {
  const source = o.inline ? { Type: 'inline', Params: { URL: HELLO_INLINE } } : { Type: 'local', Params: { SourcePath: HELLO } };
  return {
    Type: 'batch',
    Tasks: [{
      Name: 'main',
      Engine: { Type: 'wasm', Params: { EntryModule: '/wasm/hello.wasm', Entrypoint: '_start', Parameters: args } },
      InputSources: [{ Target: '/wasm/hello.wasm', Source: source }],
      ...o.task,
    }],
    ...o.job,
  };
}

const loopJob = (timeoutS = 60, extra: Record<string, unknown> = {}) => wasmJob(['loop'], { task: { Timeouts: { ExecutionTimeout: timeoutS } }, job: extra });

async function submit(s: Server, job: unknown, opts: { force?: boolean; headers?: Record<string, string> } = {}): Promise<string> {
  const r = await call<{ JobID: string }>('PUT', `${orch(s)}/jobs`, { Job: job, Force: opts.force ?? false }, opts.headers);
  expect(r.status, r.text).toBe(200);
  return r.body.JobID;
}

async function getJob(s: Server, id: string): Promise<Job> {
  const r = await call<{ Job: Job }>('GET', `${orch(s)}/jobs/${id}`);
  expect(r.status, r.text).toBe(200);
  return r.body.Job;
}

async function waitState(s: Server, id: string, states: string[], ms = 60_000): Promise<Job> {
  const end = Date.now() + ms;
  for (;;) {
    const job = await getJob(s, id);
    if (states.includes(job.State.StateType)) return job;
    if (Date.now() > end) throw new Error(`job ${id} is ${job.State.StateType} (${job.State.Message ?? ''}), not ${states.join('|')} after ${ms} ms`);
    await sleep(25);
  }
}

async function executions(s: Server, id: string, query = ''): Promise<Execution[]> {
  const r = await call<Page<Execution>>('GET', `${orch(s)}/jobs/${id}/executions${query}`);
  expect(r.status, r.text).toBe(200);
  return r.body.Items;
}

async function history(s: Server, id: string, query = ''): Promise<Page<History>> {
  const r = await call<Page<History>>('GET', `${orch(s)}/jobs/${id}/history${query}`);
  expect(r.status, r.text).toBe(200);
  return r.body;
}

/** Until the job's current execution really runs (the module is executing, not just placed). */
async function waitRunning(s: Server, id: string, ms = 60_000): Promise<Execution> {
  const end = Date.now() + ms;
  for (;;) {
    const running = (await executions(s, id)).find((e) => e.ComputeState.StateType === ComputeState.Running);
    if (running) return running;
    if (Date.now() > end) throw new Error(`job ${id} has no running execution after ${ms} ms: ${JSON.stringify(await getJob(s, id))}`);
    await sleep(25);
  }
}

async function runningExecutions(s: Server): Promise<number> {
  const r = await call<{ Nodes: NodeStateWire[] }>('GET', `${orch(s)}/nodes`);
  return r.body.Nodes.reduce((n, x) => n + x.Info.ComputeNodeInfo.RunningExecutions, 0);
}

interface SseEvent { id?: string; event: string; data: string }

function parseSse(text: string): SseEvent[] {
  return text.split('\n\n').filter((b) => b.trim() !== '').map((block) => {
    const e: SseEvent = { event: 'message', data: '' };
    for (const line of block.split('\n')) {
      const i = line.indexOf(':');
      const field = line.slice(0, i);
      const value = line.slice(i + 1).replace(/^ /, '');
      if (field === 'id') e.id = value;
      else if (field === 'event') e.event = value;
      else if (field === 'data') e.data += value;
    }
    return e;
  });
}

async function sse(url: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string | null; events: SseEvent[] }> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  return { status: res.status, contentType: res.headers.get('content-type'), events: parseSse(await res.text()) };
}

/** Every frame of a log WebSocket, and how it closed. */
function wsFrames(url: string, onOpen?: (ws: WebSocket) => void): Promise<{ frames: unknown[]; code: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: unknown[] = [];
    ws.on('open', () => onOpen?.(ws));
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    ws.on('close', (code) => resolve({ frames, code }));
    ws.on('error', reject);
  });
}

const wsUrl = (s: Server, path: string) => `${orch(s).replace(/^http/, 'ws')}${path}`;

function expectIntegerNs(v: unknown, before: number, after: number): void {
  expect(typeof v).toBe('number');
  expect(Number.isInteger(v)).toBe(true);
  // Unix nanoseconds (a double holds them to ~256 ns): between the wall clock around the call.
  expect(v as number).toBeGreaterThanOrEqual(before * 1e6 - 1e6);
  expect(v as number).toBeLessThanOrEqual(after * 1e6 + 1e6);
}

// ---- the shared server: 8 slots, labelled zone=earth ----

let server: Server;

beforeAll(async () => {
  server = await startServer({ dataDir: join(work, 'shared'), env: { TAHO__JOBS__SLOTS: '8', TAHO__JOBS__LABELS__ZONE: 'earth' } });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('TestJobOperations (wire §8), over HTTP', () => {
  const sequence = async (job: Record<string, unknown>, publisher: 'none' | 'local') => {
    const before = Date.now();
    const put = await call<{ JobID: string; EvaluationID: string; Warnings: string[] | null }>('PUT', `${orch(server)}/jobs`, { Job: job, Force: false });
    expect(put.status, put.text).toBe(200);
    expect(put.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(put.body).sort()).toEqual(['EvaluationID', 'JobID', 'Warnings']);
    expect(put.body.JobID).toMatch(JOB_ID);
    expect(put.body.EvaluationID).toMatch(/^v-/);
    expect(put.body.Warnings === null || Array.isArray(put.body.Warnings)).toBe(true);
    const id = put.body.JobID;

    const got = await getJob(server, id);
    expect(got.ID).toBe(id);
    expect(got.Tasks).toEqual(job.Tasks);

    const list = await call<Page<Job>>('GET', `${orch(server)}/jobs`);
    expect(list.status).toBe(200);
    expect(list.body.NextToken).toBe('');
    expect(list.body.Items.map((j) => j.ID)).toContain(id);

    const done = await waitState(server, id, TERMINAL, 5_000);
    expect(done.State.StateType).toBe('Completed');
    expectIntegerNs(done.CreateTime, before, Date.now());

    const h = await history(server, id);
    expect(h.Items.length).toBeGreaterThan(0);
    for (const item of h.Items) expect(item.JobID).toBe(id);
    expect(h.NextToken).toBe('');

    const ex = await executions(server, id);
    expect(ex.length).toBeGreaterThan(0);
    expect(ex.every((e) => e.JobID === id)).toBe(true);

    const results = await call<Page<{ Type: string; Params: { URL: string } }>>('GET', `${orch(server)}/jobs/${id}/results`);
    expect(results.status).toBe(200);
    expect(results.body.NextToken).toBe('');
    if (publisher === 'none') expect(results.body.Items ?? []).toEqual([]);
    else {
      expect(results.body.Items).toHaveLength(1);
      const [item] = results.body.Items;
      expect(item?.Type).toBe('local');
      const path = fileURLToPath(item?.Params.URL ?? '');
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(join(path, 'outputs', 'result.txt'), 'utf8')).toContain('result: ok for');
    }

    const stop = await call<ApiError>('DELETE', `${orch(server)}/jobs/${id}`, { reason: 'too late' });
    expect(stop.status).toBe(409);
    expect(stop.body).toMatchObject({ Status: 409, Message: 'cannot stop job in state Completed', RequestID: '', Code: 'ResourceInUse', Component: 'Bacalhau' });
    return id;
  };

  it('runs the sequence with the noop engine and no publisher', async () => {
    await sequence(noopJob(), 'none');
  });

  it('runs the sequence with the noop engine and the noop publisher', async () => {
    await sequence({ Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} }, Publisher: { Type: 'noop', Params: {} } }] }, 'none');
  });

  it('runs the sequence with the wasm engine (local input) and the local publisher', async () => {
    await sequence(wasmJob(['a', 'b'], { task: { Publisher: { Type: 'local', Params: {} } } }), 'local');
  });

  it('runs the sequence with the wasm engine (inline data: module) and no publisher', async () => {
    await sequence(wasmJob(['inline'], { inline: true }), 'none');
  });

  it('accepts POST /jobs as PUT', async () => {
    const r = await call<{ JobID: string }>('POST', `${orch(server)}/jobs`, { Job: noopJob() });
    expect(r.status, r.text).toBe(200);
    expect(r.body.JobID).toMatch(JOB_ID);
  });
});

describe('shapes on the wire (wire §6)', () => {
  let jobId = '';
  let before = 0;
  let after = 0;

  beforeAll(async () => {
    before = Date.now();
    jobId = await submit(server, wasmJob(['a', 'b'], { task: { Env: { NAME: 'shapes' }, Publisher: { Type: 'local', Params: {} } } }), {
      headers: { 'X-Bacalhau-InstallationID': 'inst-1', 'X-Bacalhau-InstanceID': 'instance-2' },
    });
    await waitState(server, jobId, TERMINAL);
    after = Date.now();
  });

  it('a Job has every field, with state a string and times in integer ns', async () => {
    const job = await getJob(server, jobId);
    expect(Object.keys(job).sort()).toEqual(['Constraints', 'Count', 'CreateTime', 'ID', 'Labels', 'Meta', 'ModifyTime', 'Name', 'Namespace', 'Priority', 'Revision', 'State', 'Tasks', 'Type', 'Version'].sort());
    expect(job).toMatchObject({
      ID: jobId, Namespace: 'default', Type: 'batch', Priority: 0, Count: 1, Constraints: [], Labels: {},
      State: { StateType: 'Completed' }, Version: 1,
    });
    expect(typeof job.Name).toBe('string');
    expect(job.Name).not.toBe('');
    expect(job.Meta).toMatchObject({ 'bacalhau.org/client.installation.id': 'inst-1', 'bacalhau.org/client.instance.id': 'instance-2' });
    expect(Number.isInteger(job.Revision) && job.Revision >= 1).toBe(true);
    expectIntegerNs(job.CreateTime, before, after);
    expectIntegerNs(job.ModifyTime, before, after);
    expect(job.ModifyTime).toBeGreaterThanOrEqual(job.CreateTime);
  });

  it('an Execution has integer states, RunOutput with Stdout and lower-case stderr, and an ExitCode', async () => {
    const [e, ...rest] = await executions(server, jobId);
    expect(rest).toEqual([]);
    if (!e) throw new Error('no execution');
    expect(e.ID).toMatch(new RegExp(`^e-${UUID}$`));
    expect(e.NodeID).toMatch(new RegExp(`^n-${UUID}$`));
    expect(e).toMatchObject({ JobID: jobId, Namespace: 'default', JobVersion: 1 });
    expect(e.EvalID).toMatch(/^v-/);
    expect(e.ComputeState.StateType).toBe(ComputeState.Completed);
    expect(e.DesiredState.StateType).toBe(2);
    expect(e.RunOutput).toEqual({
      Stdout: 'hello from wasm job a b\nhello, shapes!\n', StdoutTruncated: false,
      stderr: 'a line on stderr from the wasm job\n', StderrTruncated: false, ExitCode: 0, ErrorMsg: '',
    });
    expect(e.AllocatedResources).toMatchObject({ Tasks: { main: expect.any(Object) } });
    for (const k of ['PublishedResult', 'PreviousExecution', 'NextExecution', 'FollowupEvalID', 'Revision']) expect(e).toHaveProperty(k);
    expectIntegerNs(e.CreateTime, before, after);
    expectIntegerNs(e.ModifyTime, before, after);
  });

  it('include=executions,history adds them to GET /jobs/{id}, and only then', async () => {
    const plain = await call<Record<string, unknown>>('GET', `${orch(server)}/jobs/${jobId}`);
    expect(Object.keys(plain.body)).toEqual(['Job']);
    const full = await call<{ Job: Job; History: Page<History>; Executions: Page<Execution> }>('GET', `${orch(server)}/jobs/${jobId}?include=executions,history`);
    expect(full.body.Job.ID).toBe(jobId);
    expect(full.body.Executions).toEqual({ Items: await executions(server, jobId), NextToken: '' });
    expect(full.body.History).toEqual(await history(server, jobId));
  });

  it('JobHistory entries: SeqNum, Type, Event, Time, job states as strings and execution states as integers', async () => {
    const { Items, NextToken } = await history(server, jobId);
    expect(NextToken).toBe('');
    expect(Items.map((h) => h.SeqNum)).toEqual(Items.map((_, i) => i + 1));
    for (const h of Items) {
      expect(['JobLevel', 'ExecutionLevel']).toContain(h.Type);
      expect(h).toMatchObject({ JobID: jobId, JobVersion: 1 });
      expect(typeof h.Event.Message).toBe('string');
      expect(typeof h.Event.Topic).toBe('string');
      expect(h.Event.Timestamp).toMatch(RFC3339);
      expect(h.Time).toMatch(RFC3339);
      if (h.JobState) {
        expect(typeof h.JobState.Previous).toBe('string');
        expect(typeof h.JobState.New).toBe('string');
      }
      if (h.ExecutionState) {
        expect(Number.isInteger(h.ExecutionState.Previous)).toBe(true);
        expect(Number.isInteger(h.ExecutionState.New)).toBe(true);
      }
      if (h.Type === 'ExecutionLevel') expect(h.ExecutionID).toMatch(/^e-/);
    }
    const said = Items.map((h) => `${h.Type} ${h.Event.Topic}: ${h.Event.Message}`);
    expect(said).toEqual(expect.arrayContaining([
      'JobLevel Submission: Job submitted', 'JobLevel State Update: Running', 'JobLevel State Update: Completed',
      expect.stringMatching(/^ExecutionLevel Scheduling: Requested execution on n-[0-9a-f]{8}$/),
    ]));
    expect(Items.find((h) => h.Event.Message === 'Job submitted')?.JobState).toEqual({ Previous: 'Undefined', New: 'Pending' });
    expect(Items.find((h) => h.Event.Topic === 'State Update' && h.Event.Message === 'Completed')?.JobState).toEqual({ Previous: 'Running', New: 'Completed' });
    expect(Items.some((h) => h.Type === 'ExecutionLevel' && h.ExecutionState?.New === ComputeState.Completed)).toBe(true);
  });

  it('history filters by event_type and pages with a seq-number token', async () => {
    const all = (await history(server, jobId)).Items;
    const job = (await history(server, jobId, '?event_type=job')).Items;
    const exe = (await history(server, jobId, '?event_type=execution')).Items;
    expect(job.length).toBeGreaterThan(0);
    expect(exe.length).toBeGreaterThan(0);
    expect(job.every((h) => h.Type === 'JobLevel')).toBe(true);
    expect(exe.every((h) => h.Type === 'ExecutionLevel')).toBe(true);
    expect(job.length + exe.length).toBe(all.length);
    expect((await call('GET', `${orch(server)}/jobs/${jobId}/history?event_type=bogus`)).status).toBe(400);

    const first = await history(server, jobId, '?limit=2');
    expect(first.Items).toEqual(all.slice(0, 2));
    expect(first.NextToken).not.toBe('');
    expect(first.NextToken).toMatch(/^[A-Za-z0-9_-]+$/);
    const parts = unb64(first.NextToken).split(':');
    expect(parts).toHaveLength(4);
    expect(parts.slice(2)).toEqual(['2', '3']);
    const seen = [...first.Items];
    let token = first.NextToken;
    while (token !== '') {
      const page = await history(server, jobId, `?next_token=${token}`);
      expect(page.Items.length).toBeLessThanOrEqual(2);
      seen.push(...page.Items);
      token = page.NextToken;
      if (seen.length > all.length) break;
    }
    expect(seen).toEqual(all);
  });

  it('answers errors as APIError, echoing X-Request-ID in the body and as a header', async () => {
    const r = await call<ApiError>('GET', `${orch(server)}/jobs/j-nonexistent`, undefined, { 'X-Request-ID': 'req-42' });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('x-request-id')).toBe('req-42');
    expect(r.body).toMatchObject({ Status: 404, Message: 'job not found: j-nonexistent', RequestID: 'req-42', Code: 'NotFound', Component: 'JobStore' });
    expect(typeof r.body.Hint).toBe('string');
    const none = await call<ApiError>('GET', `${orch(server)}/jobs/j-nonexistent`);
    expect(none.body.RequestID).toBe('');
    const ok = await call('GET', `${agent(server)}/alive`, undefined, { 'X-Request-ID': 'req-ok' });
    expect(ok.headers.get('x-request-id')).toBe('req-ok');
  });

  it('answers an unknown route under /api/v1 with exactly the wire 404 body', async () => {
    for (const path of ['/api/v1/orchestrator/nope', '/api/v1/agent/nope', '/api/v1/nothing/here']) {
      const r = await call<ApiError>('GET', `${server.url}${path}`, undefined, { 'X-Request-ID': 'rid-404' });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({
        Status: 404, Code: 'NotFound', Message: 'The requested resource/URL was not found.', RequestID: 'rid-404', Component: 'APIServer',
        Hint: 'The server version may be older than this CLI version and does not support the endpoint yet.',
        Details: { cli_usage: 'If you are using the CLI, try updating your server to a newer version or check if the command is supported in your server version.' },
      });
    }
  });

  it('refuses invalid submissions with 400 naming each problem', async () => {
    const bad = async (job: unknown): Promise<ApiError> => {
      const r = await call<ApiError>('PUT', `${orch(server)}/jobs`, { Job: job, Force: false });
      expect(r.status, r.text).toBe(400);
      expect(r.body.Status).toBe(400);
      return r.body;
    };
    const { Type: _t, ...untyped } = noopJob();
    expect((await bad(untyped)).Message).toContain('missing job type');
    expect((await bad(noopJob({ Type: 'x' }))).Message).toContain('invalid job type: "x"');
    expect((await bad({ Type: 'batch' })).Message).toContain('missing job tasks');
    expect((await bad({ Type: 'batch', Tasks: [] })).Message).toContain('missing job tasks');
    // Every problem at once.
    const both = await bad({ Tasks: [] });
    expect(both.Message).toContain('missing job type');
    expect(both.Message).toContain('missing job tasks');
    const env = await bad(wasmJob([], { task: { Env: { lower: 'x', BACALHAU_TOKEN: 'y', '1ABC': 'z', GOOD: 'ok' } } }));
    expect(env.Message).toContain('"lower"');
    expect(env.Message).toContain('"BACALHAU_TOKEN"');
    expect(env.Message).toContain('"1ABC"');
    expect(env.Message).not.toContain('"GOOD"');
    const entry = await bad(wasmJob([], { task: { Engine: { Type: 'wasm', Params: { EntryModule: '/wasm/other.wasm' } } } }));
    expect(entry.Message).toContain('/wasm/other.wasm');
    expect(entry.Message).toContain('/wasm/hello.wasm');
    expect((await bad(wasmJob([], { task: { Engine: { Type: 'wasm', Params: {} } } }))).Message).toContain('invalid wasm engine entry module. target path cannot be empty');
    expect((await bad(noopJob({ Type: 'daemon', Count: 2 }))).Message).toContain('Count');
    const none = await call<ApiError>('PUT', `${orch(server)}/jobs`, { Force: false });
    expect(none.status).toBe(400);
  });

  it('gives echo HTTPError failures (validation, paging token, label selector) Code "InternalError" and Component "APIServer" (wire §1)', async () => {
    const validation = await call<ApiError>('PUT', `${orch(server)}/jobs`, { Job: { Type: 'x', Tasks: [] } });
    const token = await call<ApiError>('GET', `${orch(server)}/jobs?next_token=${b64('nonsense')}`);
    const selector = await call<ApiError>('GET', `${orch(server)}/jobs?labels=${encodeURIComponent('env in (')}`);
    for (const r of [validation, token, selector]) {
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ Status: 400, Code: 'InternalError', Component: 'APIServer' });
    }
  });

  it('indents any response with ?pretty', async () => {
    const plain = await call('GET', `${agent(server)}/alive`);
    expect(plain.text).toBe('{"Status":"OK"}');
    const pretty = await call('GET', `${agent(server)}/alive?pretty`);
    expect(pretty.text.trim()).toBe('{\n  "Status": "OK"\n}');
    const job = await call('GET', `${orch(server)}/jobs/${jobId}?pretty=true`);
    expect(job.text).toContain('\n  "Job": {\n    "ID": ');
    const err = await call('GET', `${orch(server)}/jobs/j-nonexistent?pretty`);
    expect(err.text).toContain('\n  "Status": 404,');
  });
});

describe('listing (wire §2, §3)', () => {
  const suite = `s${uniq()}`;
  const ids: Record<string, string> = {};
  const list = async (query: string) => {
    const r = await call<Page<Job>>('GET', `${orch(server)}/jobs?${query}`);
    expect(r.status, r.text).toBe(200);
    return r.body;
  };
  const names = (p: Page<Job>) => p.Items.map((j) => Object.entries(ids).find(([, id]) => id === j.ID)?.[0] ?? j.ID);
  const sel = (...s: string[]) => s.map((x) => `labels=${encodeURIComponent(x)}`).join('&');

  beforeAll(async () => {
    const labels: Record<string, Record<string, string>> = {
      a: { suite, env: 'prod', gpu: 'yes' }, b: { suite, env: 'prod' }, c: { suite, env: 'dev' }, d: { suite, env: 'staging' },
    };
    for (const [k, l] of Object.entries(labels)) ids[k] = await submit(server, noopJob({ Labels: l, Name: `list-${suite}-${k}` }));
    for (const id of Object.values(ids)) await waitState(server, id, TERMINAL);
  });

  it('selects by labels: =, in (…), !key, and repeated params ANDed', async () => {
    expect(names(await list(sel(`suite=${suite}`)))).toEqual(['a', 'b', 'c', 'd']);
    expect(names(await list(sel(`suite=${suite},env=prod`)))).toEqual(['a', 'b']);
    expect(names(await list(sel(`suite==${suite},env!=prod`)))).toEqual(['c', 'd']);
    expect(names(await list(sel(`suite=${suite},env in (dev,staging)`)))).toEqual(['c', 'd']);
    expect(names(await list(sel(`suite=${suite},env notin (dev,staging)`)))).toEqual(['a', 'b']);
    expect(names(await list(sel(`suite=${suite},!gpu`)))).toEqual(['b', 'c', 'd']);
    expect(names(await list(sel(`suite=${suite},gpu`)))).toEqual(['a']);
    expect(names(await list(sel(`suite=${suite}`, 'env=prod', '!gpu')))).toEqual(['b']);
    const bad = await call<ApiError>('GET', `${orch(server)}/jobs?${sel('env in (')}`);
    expect(bad.status).toBe(400);
  });

  it('pages with limit and a Bacalhau NextToken, in creation order', async () => {
    const first = await list(`${sel(`suite=${suite}`)}&limit=3`);
    expect(names(first)).toEqual(['a', 'b', 'c']);
    // Bacalhau's four parts, then the last job's place (time and id) the next page seeks to.
    expect(unb64(first.NextToken)).toBe(`created_at:N:3:3:${first.Items[2]?.CreateTime}:${first.Items[2]?.ID}`);
    expect(first.NextToken).not.toMatch(/[=+/]/);
    const second = await list(`${sel(`suite=${suite}`)}&next_token=${first.NextToken}`);
    expect(names(second)).toEqual(['d']);
    expect(second.NextToken).toBe('');
    const exact = await list(`${sel(`suite=${suite}`)}&limit=2`);
    expect(unb64(exact.NextToken)).toMatch(/^created_at:N:2:2:\d+:j-/);
    expect(names(await list(`${sel(`suite=${suite}`)}&next_token=${exact.NextToken}`))).toEqual(['c', 'd']);
    // A token overrides limit, order_by and reverse.
    expect(names(await list(`${sel(`suite=${suite}`)}&next_token=${b64('created_at:Y:1:1')}&limit=50&reverse=false`))).toEqual(['c']);
    // The wire notes' example token is accepted.
    expect((await call('GET', `${orch(server)}/jobs?next_token=Y3JlYXRlZF9hdDpOOjEwOjEw`)).status).toBe(200);
    expect(names(await list(`${sel(`suite=${suite}`)}&reverse=true`))).toEqual(['d', 'c', 'b', 'a']);
  });

  it('orders by modified_at and reverses', async () => {
    // Rerunning a makes it the most recently modified.
    const rerun = await call('PUT', `${orch(server)}/jobs/${ids.a}/rerun`, {});
    expect(rerun.status, rerun.text).toBe(200);
    await waitState(server, ids.a as string, TERMINAL);
    const byModified = await list(`${sel(`suite=${suite}`)}&order_by=modified_at`);
    expect(names(byModified).at(-1)).toBe('a');
    const times = byModified.Items.map((j) => j.ModifyTime);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(names(await list(`${sel(`suite=${suite}`)}&order_by=modified_at&reverse=true`))[0]).toBe('a');
    expect(names(await list(`${sel(`suite=${suite}`)}&order_by=created_at`))).toEqual(['a', 'b', 'c', 'd']);
    const paged = await list(`${sel(`suite=${suite}`)}&order_by=modified_at&reverse=true&limit=1`);
    expect(unb64(paged.NextToken)).toMatch(/^modified_at:Y:1:1:\d+:j-/);
  });

  it('refuses a bad token and a bad order_by with 400', async () => {
    for (const q of [`next_token=${b64('nonsense')}`, `next_token=${b64('a:b:c')}`, 'next_token=%%%', 'order_by=colour']) {
      const r = await call<ApiError>('GET', `${orch(server)}/jobs?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.Status).toBe(400);
    }
    expect((await call<ApiError>('GET', `${orch(server)}/jobs?next_token=${b64('nonsense')}`)).body.Message).toContain('invalid paging token');
    expect((await call<ApiError>('GET', `${orch(server)}/jobs?order_by=colour`)).body.Message).toContain('invalid order_by');
  });

  it('resolves a short id, a name, and refuses an ambiguous prefix listing the candidates', async () => {
    const a = ids.a as string;
    expect((await getJob(server, a.slice(0, 10))).ID).toBe(a);
    expect((await getJob(server, `list-${suite}-b`)).ID).toBe(ids.b);
    expect((await call('GET', `${orch(server)}/jobs/${a.slice(0, 10)}/executions`)).status).toBe(200);
    const missing = await call<ApiError>('GET', `${orch(server)}/jobs/j-ffffffff-0000`);
    expect(missing.status).toBe(404);
    expect(missing.body.Message).toBe('job not found: j-ffffffff-0000');

    // Two jobs sharing a 3-character prefix (the shortest the server resolves): add jobs until there are.
    const find = async () => {
      const all = (await list('')).Items.map((j) => j.ID);
      const groups = new Map<string, string[]>();
      for (const id of all) groups.set(id.slice(0, 3), [...(groups.get(id.slice(0, 3)) ?? []), id]);
      return [...groups.entries()].find(([, g]) => g.length >= 2);
    };
    let found = await find();
    for (let i = 0; !found && i < 17; i++) {
      await waitState(server, await submit(server, noopJob()), TERMINAL);
      found = await find();
    }
    if (!found) throw new Error('no two jobs share a prefix');
    const [prefix, candidates] = found;
    const r = await call<ApiError>('GET', `${orch(server)}/jobs/${prefix}`);
    expect(r.status, r.text).toBe(409);
    expect(r.body).toMatchObject({ Status: 409, Component: 'JobStore' });
    for (const c of candidates) expect(r.body.Message).toContain(c);
    expect(r.body.Hint).toContain('Use full job ID');
  });
});

describe('stop and ExecutionTimeout (wire §4 DELETE)', () => {
  it('stops a job looping forever: Stopped with the reason (JSON body), its execution Cancelled and gone', async () => {
    const idle = await runningExecutions(server);
    const id = await submit(server, loopJob());
    const running = await waitRunning(server, id);
    expect((await getJob(server, id)).State.StateType).toBe('Running');
    expect(await runningExecutions(server)).toBe(idle + 1);
    // While it runs, the history token stays so a client keeps polling.
    expect((await history(server, id)).NextToken).not.toBe('');

    const stop = await call<{ EvaluationID: string }>('DELETE', `${orch(server)}/jobs/${id}`, { reason: 'enough looping' });
    expect(stop.status, stop.text).toBe(200);
    expect(Object.keys(stop.body)).toEqual(['EvaluationID']);
    expect(stop.body.EvaluationID).not.toBe('');

    const job = await getJob(server, id);
    expect(job.State).toMatchObject({ StateType: 'Stopped', Message: 'enough looping' });
    const [e] = await executions(server, id);
    expect(e?.ID).toBe(running.ID);
    expect(e?.ComputeState.StateType).toBe(ComputeState.Cancelled);
    expect(e?.DesiredState.StateType).toBe(2);
    expect(await runningExecutions(server)).toBe(idle);
    const h = await history(server, id);
    expect(h.NextToken).toBe('');
    expect(h.Items.find((x) => x.Event.Message === 'Job requested to stop before completion')?.Event).toMatchObject({
      Topic: 'Scheduling', Details: { description: 'enough looping' },
    });
    expect(h.Items.find((x) => x.Event.Topic === 'State Update' && x.Event.Message === 'Stopped')?.JobState).toEqual({ Previous: 'Running', New: 'Stopped' });

    // Stopping a Stopped job succeeds with no evaluation.
    const again = await call<{ EvaluationID: string }>('DELETE', `${orch(server)}/jobs/${id}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ EvaluationID: '' });
    expect((await call<ApiError>('DELETE', `${orch(server)}/jobs/j-nonexistent`)).status).toBe(404);
  });

  it('takes the reason from the query too', async () => {
    const id = await submit(server, loopJob());
    await waitRunning(server, id);
    const stop = await call('DELETE', `${orch(server)}/jobs/${id}?reason=${encodeURIComponent('from the query')}`);
    expect(stop.status).toBe(200);
    expect((await getJob(server, id)).State).toMatchObject({ StateType: 'Stopped', Message: 'from the query' });
    expect((await executions(server, id))[0]?.ComputeState.StateType).toBe(ComputeState.Cancelled);
    const event = (await history(server, id)).Items.find((x) => x.Event.Message === 'Job requested to stop before completion');
    expect(event?.Event.Details).toEqual({ description: 'from the query' });
  });

  it('fails a job past its ExecutionTimeout, saying so, with an "Exec Timeout" event', async () => {
    const id = await submit(server, loopJob(1));
    const job = await waitState(server, id, TERMINAL, 10_000);
    expect(job.State.StateType).toBe('Failed');
    expect(job.State.Message).toMatch(/time(d)? ?out/i);
    expect(job.State.Message).toContain('1s');
    const [e] = await executions(server, id);
    expect(e?.ComputeState.StateType).toBe(ComputeState.Failed);
    const h = (await history(server, id)).Items;
    expect(h.some((x) => x.Event.Topic === 'Exec Timeout')).toBe(true);
    expect(h.find((x) => x.Event.Topic === 'Exec Timeout')?.Event.Message).toMatch(/time(d)? ?out/i);
  });

  it('fails a job whose module exits non-zero', async () => {
    const id = await submit(server, wasmJob(['fail']));
    const job = await waitState(server, id, TERMINAL);
    expect(job.State.StateType).toBe('Failed');
    expect(job.State.Message).toContain('3');
    expect((await executions(server, id))[0]?.RunOutput?.ExitCode).toBe(3);
    // A Failed job is terminal: stopping it is a no-op.
    expect((await call<{ EvaluationID: string }>('DELETE', `${orch(server)}/jobs/${id}`)).body).toEqual({ EvaluationID: '' });
  });
});

describe('idempotency, versions, rerun and diff', () => {
  it('returns the first JobID for a repeated Idempotency-Key', async () => {
    const key = `key-${uniq()}`;
    const first = await submit(server, noopJob(), { headers: { 'Idempotency-Key': key } });
    const second = await submit(server, noopJob({ Labels: { other: 'spec' } }), { headers: { 'Idempotency-Key': key } });
    expect(second).toBe(first);
    const third = await submit(server, noopJob(), { headers: { 'Idempotency-Key': `${key}-other` } });
    expect(third).not.toBe(first);
  });

  it('refuses an unchanged same-Name resubmit without Force, and makes a new Version with Force or a change', async () => {
    const name = `same-${uniq()}`;
    const spec = noopJob({ Name: name });
    const id = await submit(server, spec);
    await waitState(server, id, TERMINAL);
    const again = await call<ApiError>('PUT', `${orch(server)}/jobs`, { Job: spec, Force: false });
    expect(again.status, again.text).toBe(409);
    expect(again.body.Message).toBe(`no changes detected for new job spec. Job Name: '${name}', Job Id: '${id}'`);
    expect(again.body.Hint).toContain('--force');
    expect((await getJob(server, id)).Version).toBe(1);

    expect(await submit(server, spec, { force: true })).toBe(id);
    const v2 = await waitState(server, id, TERMINAL);
    expect(v2.Version).toBe(2);
    expect(await submit(server, noopJob({ Name: name, Labels: { changed: 'yes' } }))).toBe(id);
    const v3 = await waitState(server, id, TERMINAL);
    expect(v3).toMatchObject({ Version: 3, Labels: { changed: 'yes' }, State: { StateType: 'Completed' } });

    const versions = await call<Page<Job>>('GET', `${orch(server)}/jobs/${id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.NextToken).toBe('');
    expect(versions.body.Items.map((j) => j.Version)).toEqual([1, 2, 3]);
    expect(versions.body.Items.every((j) => j.ID === id)).toBe(true);
    expect((await call<{ Job: Job }>('GET', `${orch(server)}/jobs/${id}?job_version=1`)).body.Job).toMatchObject({ Version: 1, Labels: {} });
    expect((await history(server, id, '?all_job_versions=true')).Items.some((h) => h.Event.Message === 'Job updated')).toBe(true);

    // Rerun of an older version: version 4 has version 1's spec.
    const rerun = await call<{ JobVersion: number }>('PUT', `${orch(server)}/jobs/${id}/rerun`, { JobVersion: 1 });
    expect(rerun.status, rerun.text).toBe(200);
    expect(rerun.body.JobVersion).toBe(4);
    expect(await waitState(server, id, TERMINAL)).toMatchObject({ Version: 4, Labels: {}, State: { StateType: 'Completed' } });
  });

  it('reruns a finished job as a new JobVersion', async () => {
    const id = await submit(server, wasmJob(['rerun']));
    await waitState(server, id, TERMINAL);
    const r = await call<{ JobID: string; JobVersion: number; EvaluationID: string; Warnings: unknown }>('PUT', `${orch(server)}/jobs/${id}/rerun`, { Reason: 'once more' });
    expect(r.status, r.text).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['EvaluationID', 'JobID', 'JobVersion', 'Warnings']);
    expect(r.body).toMatchObject({ JobID: id, JobVersion: 2 });
    expect(r.body.EvaluationID).not.toBe('');
    const job = await waitState(server, id, TERMINAL);
    expect(job).toMatchObject({ Version: 2, State: { StateType: 'Completed' } });
    expect(await executions(server, id)).toHaveLength(1);
    expect(await executions(server, id, '?all_job_versions=true')).toHaveLength(2);
    const rerun = (await history(server, id, '?job_version=2')).Items.find((h) => h.Event.Message === 'Job rerun requested');
    expect(rerun?.Event.Topic).toBe('Submission');
    expect(rerun?.Event.Details).toEqual({ description: 'once more' });
  });

  it('diffs a spec against the job of the same Name', async () => {
    const name = `diff-${uniq()}`;
    await submit(server, noopJob({ Name: name, Labels: { tier: 'one' } }));
    const r = await call<{ Diff: string; Warnings: unknown }>('PUT', `${orch(server)}/jobs/diff`, { Job: noopJob({ Name: name, Labels: { tier: 'two' } }) });
    expect(r.status, r.text).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['Diff', 'Warnings']);
    expect(r.body.Diff).toContain('one');
    expect(r.body.Diff).toContain('two');
    const same = await call<{ Diff: string }>('PUT', `${orch(server)}/jobs/diff`, { Job: noopJob({ Name: name, Labels: { tier: 'one' } }) });
    expect(same.body.Diff).toBe('');
    expect((await call('PUT', `${orch(server)}/jobs/diff`, { Job: noopJob() })).status).toBe(400);
  });
});

describe('logs (wire §4 /logs)', () => {
  let id = '';
  const lines = [
    { Type: 1, Line: 'hello from wasm job log me\n' },
    { Type: 1, Line: 'hello, logs!\n' },
    { Type: 2, Line: 'a line on stderr from the wasm job\n' },
  ];

  beforeAll(async () => {
    id = await submit(server, wasmJob(['log', 'me'], { task: { Env: { NAME: 'logs' } } }));
    await waitState(server, id, TERMINAL);
  });

  it('streams SSE log events with ids, then end; Last-Event-ID resumes with no repeat and no gap', async () => {
    const all = await sse(`${orch(server)}/jobs/${id}/logs`);
    expect(all.status).toBe(200);
    expect(all.contentType).toMatch(/^text\/event-stream/);
    const logs = all.events.filter((e) => e.event === 'log');
    expect(logs.map((e) => JSON.parse(e.data))).toEqual(lines);
    expect(logs.every((e) => typeof e.id === 'string' && e.id !== '')).toBe(true);
    expect(new Set(logs.map((e) => e.id)).size).toBe(logs.length);
    expect(all.events.at(-1)?.event).toBe('end');
    expect(all.events.map((e) => e.event)).toEqual(['log', 'log', 'log', 'end']);

    for (let i = 0; i < logs.length; i++) {
      const resumed = await sse(`${orch(server)}/jobs/${id}/logs`, { 'Last-Event-ID': logs[i]?.id ?? '' });
      const rest = resumed.events.filter((e) => e.event === 'log');
      expect(rest.map((e) => JSON.parse(e.data)), `after event ${i}`).toEqual(lines.slice(i + 1));
      expect(rest.map((e) => e.id)).toEqual(logs.slice(i + 1).map((e) => e.id));
      expect(resumed.events.at(-1)?.event).toBe('end');
    }
  });

  it('sends WebSocket frames {"value":{Type,Line}} and closes with 1000', async () => {
    const { frames, code } = await wsFrames(wsUrl(server, `/jobs/${id}/logs`));
    expect(frames).toEqual(lines.map((value) => ({ value })));
    expect(code).toBe(1000);
    const tail = await wsFrames(wsUrl(server, `/jobs/${id}/logs?tail=1`));
    expect(tail.frames).toEqual([{ value: lines[2] }]);
  });

  it('sends one {"error"} frame, then a normal close, for an unknown job', async () => {
    const { frames, code } = await wsFrames(wsUrl(server, '/jobs/j-nonexistent/logs'));
    expect(frames).toHaveLength(1);
    expect(Object.keys(frames[0] as object)).toEqual(['error']);
    expect((frames[0] as { error: string }).error).toContain('j-nonexistent');
    expect(code).toBe(1000);
  });

  it('ends a follow=true stream (WebSocket and SSE) when the running job is stopped', async () => {
    const loop = await submit(server, loopJob());
    await waitRunning(server, loop);
    let opened = false;
    const ws = wsFrames(wsUrl(server, `/jobs/${loop}/logs?follow=true`), () => {
      opened = true;
    });
    const sseDone = sse(`${orch(server)}/jobs/${loop}/logs?follow=true`);
    let ended = false;
    void ws.then(() => {
      ended = true;
    });
    while (!opened) await sleep(20); // the socket is open (the test's timeout is the ceiling)
    expect(ended).toBe(false);
    expect((await call('DELETE', `${orch(server)}/jobs/${loop}`, { reason: 'stop following' })).status).toBe(200);
    const closed = await Promise.race([ws, sleep(60_000).then(() => 'timeout' as const)]);
    expect(closed).not.toBe('timeout');
    if (closed !== 'timeout') {
      expect(closed.code).toBe(1000);
      expect(closed.frames).toEqual([]);
    }
    const events = await Promise.race([sseDone, sleep(60_000).then(() => 'timeout' as const)]);
    expect(events).not.toBe('timeout');
    if (events !== 'timeout') expect(events.events.map((e) => e.event)).toEqual(['end']);
  });
});

describe('more of the wire: client bodies, namespaces, Count, legacy wasm, timeouts, old clients', () => {
  it('accepts the Go client\'s bodies (base request fields on submit, reason and Namespace on stop)', async () => {
    const put = await call<{ JobID: string }>('PUT', `${orch(server)}/jobs`, { Job: loopJob(), Force: false, Namespace: '', Credential: null, IdempotencyToken: '' });
    expect(put.status, put.text).toBe(200);
    await waitRunning(server, put.body.JobID);
    const stop = await call('DELETE', `${orch(server)}/jobs/${put.body.JobID}`, { reason: 'go client', Namespace: '', Credential: null, IdempotencyToken: '' });
    expect(stop.status, stop.text).toBe(200);
    expect((await getJob(server, put.body.JobID)).State).toMatchObject({ StateType: 'Stopped', Message: 'go client' });
  });

  it('keeps jobs in their namespace: list filters by it (* for all), names resolve in it', async () => {
    const ns = `ns${uniq()}`;
    const name = `in-${ns}`;
    const id = await submit(server, noopJob({ Namespace: ns, Name: name }));
    await waitState(server, id, TERMINAL);
    expect((await getJob(server, id)).Namespace).toBe(ns);
    const ids = async (q: string) => (await call<Page<Job>>('GET', `${orch(server)}/jobs?${q}`)).body.Items.map((j) => j.ID);
    expect(await ids(`namespace=${ns}`)).toEqual([id]);
    expect(await ids('namespace=default')).not.toContain(id);
    expect(await ids('namespace=*')).toContain(id);
    expect(await ids('')).toContain(id);
    expect((await call<{ Job: Job }>('GET', `${orch(server)}/jobs/${name}?namespace=${ns}`)).body.Job?.ID).toBe(id);
    expect((await call('GET', `${orch(server)}/jobs/${name}`)).status).toBe(404);
  });

  it('runs Count executions of a batch job', async () => {
    const id = await submit(server, wasmJob(['twice'], { job: { Count: 2 } }));
    const job = await waitState(server, id, TERMINAL);
    expect(job).toMatchObject({ Count: 2, State: { StateType: 'Completed' } });
    const ex = await executions(server, id);
    expect(ex).toHaveLength(2);
    expect(ex.every((e) => e.ComputeState.StateType === ComputeState.Completed && e.RunOutput?.Stdout.startsWith('hello from wasm job twice\n'))).toBe(true);
  });

  it('runs the wire\'s inline example (EntryModule "wasm.main" for Target "/wasm.main")', async () => {
    const id = await submit(server, {
      Type: 'batch',
      Tasks: [{
        Name: 'main', Engine: { Type: 'wasm', Params: { EntryModule: 'wasm.main', Parameters: ['wire'] } },
        InputSources: [{ Target: '/wasm.main', Source: { Type: 'inline', Params: { URL: HELLO_INLINE } } }],
      }],
    });
    expect((await waitState(server, id, TERMINAL)).State.StateType).toBe('Completed');
    expect((await executions(server, id))[0]?.RunOutput?.Stdout).toContain('hello from wasm job wire');
  });

  it('translates the legacy wasm format on submit, with a "Job tasks translated to new type" event', async () => {
    const id = await submit(server, {
      Type: 'batch',
      Tasks: [{
        Name: 'main',
        Engine: { Type: 'wasm', Params: { EntryModule: { Source: { Type: 'local', Params: { SourcePath: HELLO } }, Alias: '', Target: '' }, EntryPoint: '_start', Parameters: ['legacy'], EnvironmentVariables: null } },
      }],
    });
    const job = await waitState(server, id, TERMINAL);
    expect(job.State.StateType).toBe('Completed');
    expect(job.Tasks[0]?.Engine.Params).toMatchObject({ EntryModule: '/wasm/entry.wasm', Entrypoint: '_start', Parameters: ['legacy'] });
    expect(job.Tasks[0]?.Engine.Params).not.toHaveProperty('EntryPoint');
    expect(job.Tasks[0]?.InputSources).toEqual([expect.objectContaining({ Target: '/wasm/entry.wasm' })]);
    const translated = (await history(server, id)).Items.find((h) => h.Event.Message === 'Job tasks translated to new type');
    expect(translated?.Event.Topic).toBe('Submission');
    expect((await executions(server, id))[0]?.RunOutput?.Stdout).toContain('hello from wasm job legacy');
  });

  it('fails a job past its TotalTimeout with a "Job Timeout" event, never passing through Stopped', async () => {
    const id = await submit(server, wasmJob(['loop'], { task: { Timeouts: { ExecutionTimeout: 60, TotalTimeout: 1 } } }));
    const job = await waitState(server, id, TERMINAL, 10_000);
    expect(job.State.StateType).toBe('Failed');
    expect(job.State.Message).toContain('TotalTimeout');
    const h = (await history(server, id)).Items;
    expect(h.find((x) => x.Event.Topic === 'Job Timeout')?.Type).toBe('JobLevel');
    expect(h.filter((x) => x.JobState).map((x) => x.JobState?.New)).not.toContain('Stopped');
  });

  it('gives a client below v1.5 (X-Bacalhau-Git-Version) non-nil JobState and ExecutionState in every history item', async () => {
    const id = await submit(server, noopJob());
    await waitState(server, id, TERMINAL);
    const old = await call<Page<History>>('GET', `${orch(server)}/jobs/${id}/history`, undefined, { 'X-Bacalhau-Git-Version': 'v1.4.2' });
    expect(old.status).toBe(200);
    expect(old.body.Items.length).toBeGreaterThan(0);
    for (const h of old.body.Items) {
      expect(h.JobState, JSON.stringify(h)).toBeTruthy();
      expect(h.ExecutionState, JSON.stringify(h)).toBeTruthy();
    }
  });

  it('filters history by execution_id prefix and since', async () => {
    const id = await submit(server, wasmJob(['hist'], { job: { Count: 2 } }));
    await waitState(server, id, TERMINAL);
    const [e1, e2] = await executions(server, id);
    if (!e1 || !e2) throw new Error('two executions expected');
    const one = (await history(server, id, `?execution_id=${e1.ID.slice(0, 12)}`)).Items;
    expect(one.length).toBeGreaterThan(0);
    expect(one.every((h) => h.ExecutionID === e1.ID)).toBe(true);
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect((await history(server, id, `?since=${future}`)).Items).toEqual([]);
    expect((await history(server, id, '?since=1')).Items.length).toBeGreaterThan(0);
  });

  it('answers unknown jobs on every job route with the JobStore 404, SSE logs included', async () => {
    for (const path of ['', '/executions', '/history', '/results', '/versions', '/explain']) {
      const r = await call<ApiError>('GET', `${orch(server)}/jobs/j-nonexistent${path}`);
      expect(r.status, path).toBe(404);
      expect(r.body, path).toMatchObject({ Status: 404, Code: 'NotFound', Component: 'JobStore', Message: 'job not found: j-nonexistent' });
    }
    const logs = await fetch(`${orch(server)}/jobs/j-nonexistent/logs`, { headers: { accept: 'text/event-stream' } });
    expect(logs.status).toBe(404);
    expect(logs.headers.get('content-type')).toMatch(/^application\/json/);
    const rerun = await call<ApiError>('PUT', `${orch(server)}/jobs/j-nonexistent/rerun`, {});
    expect(rerun.status).toBe(404);
    const head = await fetch(`${orch(server)}/jobs/j-nonexistent`, { method: 'HEAD' });
    expect(head.status).toBe(404);
    expect(await head.text()).toBe('');
  });

  it('refuses malformed numbers and booleans in the query with 400', async () => {
    for (const q of ['jobs?limit=abc', 'jobs?limit=-1', 'jobs?reverse=maybe', 'nodes?limit=x']) {
      const r = await call<ApiError>('GET', `${orch(server)}/${q}`);
      expect(r.status, q).toBe(400);
    }
  });

  it('selects with numeric comparisons and warns about an unsupported network', async () => {
    const tag = `n${uniq()}`;
    const five = await submit(server, noopJob({ Labels: { tag, n: '5' } }));
    const two = await submit(server, noopJob({ Labels: { tag, n: '2' } }));
    const ids = async (s: string) => (await call<Page<Job>>('GET', `${orch(server)}/jobs?labels=${encodeURIComponent(s)}`)).body.Items.map((j) => j.ID);
    expect(await ids(`tag=${tag},n>3`)).toEqual([five]);
    expect(await ids(`tag=${tag},n<3`)).toEqual([two]);
    const r = await call<{ Warnings: string[] | null }>('PUT', `${orch(server)}/jobs`, { Job: wasmJob([], { task: { Network: { Type: 'Full' } } }) });
    expect(r.status).toBe(200);
    expect(r.body.Warnings?.join(' ')).toContain('Network');
  });
});

describe('nodes and agent (wire §4 nodes, §5)', () => {
  it('lists the compute node as a NodeState', async () => {
    const r = await call<{ NextToken: string; Nodes: NodeStateWire[] }>('GET', `${orch(server)}/nodes`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(r.body).sort()).toEqual(['NextToken', 'Nodes']);
    expect(r.body.NextToken).toBe('');
    expect(r.body.Nodes).toHaveLength(1);
    const [n] = r.body.Nodes;
    if (!n) throw new Error('no node');
    expect(n.Info.NodeID).toMatch(new RegExp(`^n-${UUID}$`));
    expect(n.Info.NodeType).toBe('Compute');
    expect(n.Info.Labels).toMatchObject({ zone: 'earth' });
    expect(n.Info.ComputeNodeInfo.ExecutionEngines).toContain('wasm');
    for (const k of ['ExecutionEngines', 'Publishers', 'StorageSources', 'MaxCapacity', 'QueueCapacity', 'AvailableCapacity', 'MaxJobRequirements', 'RunningExecutions', 'EnqueuedExecutions', 'address']) {
      expect(n.Info.ComputeNodeInfo, k).toHaveProperty(k);
    }
    expect(n.Membership).toBe('APPROVED');
    expect(n.Connection).toBe('CONNECTED');
    expect(n.ConnectionState.Status).toBe('CONNECTED');
    expect(String(n.ConnectionState.LastHeartbeat)).toMatch(RFC3339);

    const one = await call<{ Node: NodeStateWire }>('GET', `${orch(server)}/nodes/${n.Info.NodeID.slice(0, 10)}`);
    expect(one.status).toBe(200);
    expect(Object.keys(one.body)).toEqual(['Node']);
    expect(one.body.Node.Info.NodeID).toBe(n.Info.NodeID);
    expect((await call('GET', `${orch(server)}/nodes/n-zzzz`)).status).toBe(404);

    const ids = async (q: string) => (await call<{ Nodes: NodeStateWire[] }>('GET', `${orch(server)}/nodes?${q}`)).body.Nodes.map((x) => x.Info.NodeID);
    expect(await ids('labels=zone%3Dearth')).toEqual([n.Info.NodeID]);
    expect(await ids('labels=zone%3Dmars')).toEqual([]);
    expect(await ids('filter-approval=approved')).toEqual([n.Info.NodeID]);
    expect(await ids('filter-approval=PENDING')).toEqual([]);
    expect(await ids('filter-status=disconnected')).toEqual([]);
    expect(await ids('order_by=available_cpu&reverse=true')).toEqual([n.Info.NodeID]);
    const bad = await call<ApiError>('GET', `${orch(server)}/nodes?order_by=colour`);
    expect(bad.status).toBe(400);
    expect(bad.body.Message).toContain('invalid order_by');
  });

  it('answers the agent routes', async () => {
    const alive = await call('GET', `${agent(server)}/alive`);
    expect(alive.status).toBe(200);
    expect(alive.headers.get('content-type')).toMatch(/^application\/json/);
    expect(alive.body).toEqual({ Status: 'OK' });

    const version = await call<Record<string, string>>('GET', `${agent(server)}/version`);
    expect(version.body.GitVersion).toBe(`v${PKG_VERSION}`);
    for (const k of ['GitCommit', 'BuildDate', 'GOOS', 'GOARCH']) expect(typeof version.body[k], k).toBe('string');

    const nodes = await call<{ Nodes: NodeStateWire[] }>('GET', `${orch(server)}/nodes`);
    const node = await call<Record<string, unknown>>('GET', `${agent(server)}/node`);
    expect(node.status).toBe(200);
    expect(node.body).toMatchObject({
      NodeID: nodes.body.Nodes[0]?.Info.NodeID, NodeType: 'Compute', Labels: { zone: 'earth' }, SupportedProtocols: ['ncl/v1'],
      ComputeNodeInfo: { ExecutionEngines: expect.arrayContaining(['wasm']) }, BacalhauVersion: { GitVersion: `v${PKG_VERSION}` },
    });
    expect(node.body).not.toHaveProperty('Info');

    const config = await call<Record<string, unknown>>('GET', `${agent(server)}/config`);
    expect(config.status).toBe(200);
    expect(Object.keys(config.body)).toEqual(['config']);
    expect(typeof config.body.config).toBe('object');
  });
});

describe('placement: constraints (wire §3) and explain', () => {
  it('fails a job whose constraint no node meets, saying no node can run it, and runs one the labels meet', async () => {
    const mars = await submit(server, noopJob({ Constraints: [{ Key: 'zone', Operator: '=', Values: ['mars'] }] }));
    const failed = await waitState(server, mars, TERMINAL);
    expect(failed.State.StateType).toBe('Failed');
    expect(failed.State.Message).toContain('no node can run');
    expect(failed.State.Message).toContain('zone=mars');
    const explained = await call<{ Nodes: { Accepted: boolean; Reason: string }[] }>('GET', `${orch(server)}/jobs/${mars}/explain`);
    expect(explained.body.Nodes[0]).toMatchObject({ Accepted: false, Reason: expect.stringContaining('zone=mars') });

    const earth = await submit(server, wasmJob(['earth'], { job: { Constraints: [{ Key: 'zone', Operator: 'in', Values: ['earth', 'moon'] }] } }));
    expect((await waitState(server, earth, TERMINAL)).State.StateType).toBe('Completed');
    const eq = await submit(server, noopJob({ Constraints: [{ Key: 'zone', Operator: '=', Values: ['earth'] }, { Key: 'gpu', Operator: '!' }] }));
    expect((await waitState(server, eq, TERMINAL)).State.StateType).toBe('Completed');
    const badOp = await call<ApiError>('PUT', `${orch(server)}/jobs`, { Job: noopJob({ Constraints: [{ Key: 'zone', Operator: 'near', Values: ['x'] }] }) });
    expect(badOp.status).toBe(400);
    expect(badOp.body.Message).toContain('near');
  });

  it('explains a queued job on a one-slot node: its queue position and the node\'s reason', async () => {
    const s = await startServer({ dataDir: join(work, 'one-slot'), env: { TAHO__JOBS__SLOTS: '1' } });
    try {
      const loop = await submit(s, loopJob(30));
      await waitRunning(s, loop);
      const second = await submit(s, wasmJob(['second']));
      const end = Date.now() + 5_000;
      while ((await getJob(s, second)).State.StateType === 'Pending' && Date.now() < end) await sleep(25);
      const job = await getJob(s, second);
      expect(job.State.StateType).toBe('Queued');
      const r = await call<{ JobID: string; State: string; QueuePosition: number; Nodes: { NodeID: string; Accepted: boolean; Reason: string }[] }>('GET', `${orch(s)}/jobs/${second}/explain`);
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({ JobID: second, State: 'Queued', QueuePosition: 1 });
      expect(r.body.Nodes).toHaveLength(1);
      expect(r.body.Nodes[0]?.Accepted).toBe(false);
      expect(r.body.Nodes[0]?.Reason).toMatch(/slot/);
      const queued = (await history(s, second)).Items.find((h) => h.Event.Topic === 'Queueing');
      expect(queued?.Event.Message).toBe('Job queued');
      const running = await call<Record<string, unknown>>('GET', `${orch(s)}/jobs/${loop}/explain`);
      expect(running.body).not.toHaveProperty('QueuePosition');

      // A higher Priority jumps the queue.
      const urgent = await submit(s, noopJob({ Priority: 10 }));
      const position = async (id: string) => (await call<{ QueuePosition?: number; QueueLength?: number }>('GET', `${orch(s)}/jobs/${id}/explain`)).body;
      expect(await position(urgent)).toMatchObject({ QueuePosition: 1, QueueLength: 2 });
      expect(await position(second)).toMatchObject({ QueuePosition: 2, QueueLength: 2 });
      // A queued job stops without ever running.
      const doomed = await submit(s, noopJob());
      const stopQueued = await call<{ EvaluationID: string }>('DELETE', `${orch(s)}/jobs/${doomed}`, { reason: 'not needed' });
      expect(stopQueued.status, stopQueued.text).toBe(200);
      expect((await getJob(s, doomed)).State).toMatchObject({ StateType: 'Stopped', Message: 'not needed' });
      expect(await executions(s, doomed)).toEqual([]);

      // The slot frees: the queued job runs.
      expect((await call('DELETE', `${orch(s)}/jobs/${loop}`)).status).toBe(200);
      expect((await waitState(s, second, TERMINAL)).State.StateType).toBe('Completed');
      const u = await getJob(s, urgent);
      expect(u.State.StateType).toBe('Completed');
      expect(u.ModifyTime).toBeLessThan((await getJob(s, second)).ModifyTime);
      // A job queued now runs after anything still waiting ahead of it: once it completes, the
      // scheduler has had its chance to (wrongly) run the stopped one.
      const marker = await submit(s, noopJob());
      expect((await waitState(s, marker, TERMINAL)).State.StateType).toBe('Completed');
      expect((await getJob(s, doomed)).State.StateType).toBe('Stopped');
      expect(await executions(s, doomed)).toEqual([]);
    } finally {
      await s.stop();
    }
  }, 60_000);
});

describe('a SIGKILLed server', () => {
  it('re-queues what it left Running on restart, and says so; nothing stays Running', async () => {
    const dataDir = join(work, 'crash');
    let s = await startServer({ dataDir, env: { TAHO__JOBS__SLOTS: '4' } });
    let loop = '';
    let normal = '';
    try {
      loop = await submit(s, loopJob(2));
      normal = await submit(s, wasmJob(['normal']));
      await waitRunning(s, loop);
    } finally {
      s.process.kill('SIGKILL');
      await s.stop().catch(() => undefined);
    }
    s = await startServer({ dataDir, env: { TAHO__JOBS__SLOTS: '4' } });
    try {
      // The line follows the listening announcement: wait for it (the test's timeout is the ceiling).
      const said = /jobs interrupted by the last stop: [1-9]\d* re-queued/;
      while (!said.test(s.output())) await sleep(20);
      expect(s.output()).toMatch(said);
      const l = await waitState(s, loop, TERMINAL, 60_000);
      const n = await waitState(s, normal, TERMINAL, 60_000);
      expect(n.State.StateType).toBe('Completed');
      expect(l.State.StateType).toBe('Failed');
      expect(l.State.Message).toMatch(/time(d)? ?out/i);
      const h = (await history(s, loop)).Items;
      expect(h.find((x) => x.Event.Message === 'Job re-queued: the server stopped while it ran')?.Type).toBe('JobLevel');
      expect(h.some((x) => x.Event.Topic === 'Exec Timeout')).toBe(true);
      const ex = await executions(s, loop);
      expect(ex).toHaveLength(2);
      expect(ex[0]?.ComputeState).toEqual({ StateType: ComputeState.Failed, Message: 'the server stopped while it ran' });
      expect(ex[0]?.DesiredState.StateType).toBe(2);
      expect(ex[1]?.ComputeState.StateType).toBe(ComputeState.Failed);
      const all = await call<Page<Job>>('GET', `${orch(s)}/jobs`);
      expect(all.body.Items.filter((j) => !TERMINAL.includes(j.State.StateType))).toEqual([]);
    } finally {
      await s.stop();
    }
  }, 60_000);
});
