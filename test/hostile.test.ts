import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../src/core/auth/api-keys.js';
import { ROUTE_SCOPES } from '../src/server/auth/route-scopes.js';
import { tempDir } from './helpers.js';
import { mulberry32 } from '../src/shared/prng.js';
import { startServer, type Server } from './server-helpers.js';

// ≥ 10 000 generated hostile requests across every route: each must get a 4xx in the TAHO
// error shape (or a component's own 500/504, or a success), never another 5xx, never a crash,
// and the server must answer health checks throughout.
const TOTAL = 10_000;
const CONCURRENCY = 32;
let server: Server;
let key = '';
let host = '';
let COUNTER_ID = '';
let port = 0;

beforeAll(async () => {
  const dir = tempDir('taho-hostile-');
  const k = await generateKey(['admin']);
  key = k.key;
  writeFileSync(join(dir, 'config.toml'), [
    '[limits]', 'body_limit_bytes = 65536', 'invoke_timeout_ms = 1000', 'request_timeout_ms = 1500', 'max_header_bytes = 8192',
    '[http.auth]', 'mode = "api_key"', 'max_failures = 1000000', '[[http.auth.keys]]', 'name = "fuzz"', `hash = "${k.hash}"`, 'scopes = ["admin"]', '',
  ].join('\n'));
  server = await startServer({ dataDir: join(dir, 'data'), cwd: dir });
  const u = new URL(server.url);
  host = u.hostname;
  const list = (await (await fetch(`${server.url}/v1/components`, { headers: { authorization: `Bearer ${key}` } })).json()) as { componentName: string; versionedComponentId: { componentId: string } }[];
  COUNTER_ID = list.find((c) => c.componentName === 'example/counter')?.versionedComponentId.componentId ?? '';
  port = Number(u.port);
}, 60_000);

afterAll(async () => {
  const stopped = await server?.stop();
  // The process must still be the one we started: a crash would have ended it with a code != 0.
  expect(stopped?.exitCode).toBe(0);
});

const NAMES = ['example', 'hello', 'calculator', 'greet', 'add', 'div', '..', '%2e%2e', '..%2F..%2Fetc', '%00', 'a'.repeat(300), '💥', 'CON', '.taho', '~root', '%ff%fe', '*', "'; DROP"];
const METHODS = ['greet', 'add', 'div', 'translate', 'sum-list', 'reverse-bytes', 'countdown', 'crash', 'nope', 'area', 'clamp-u8', 'is-even', 'scale'];

function jsonValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * 9);
  if (depth > 4) return Math.floor(r() * 1e6) - 5e5;
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return (r() - 0.5) * 10 ** Math.floor(r() * 25);
    case 3: return 'x'.repeat(Math.floor(r() * 40));
    case 4: return Array.from({ length: Math.floor(r() * 5) }, () => jsonValue(r, depth + 1));
    case 5: return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [['x', 'y', 'a', 'b', '__proto__', 'constructor', 'circle', 'rectangle'][i + Math.floor(r() * 4)] ?? 'k', jsonValue(r, depth + 1)]));
    case 6: return String(Math.floor(r() * 2 ** 64));
    case 7: return Math.floor(r() * 300) - 20;
    default: return [Math.floor(r() * 100), Math.floor(r() * 100)];
  }
}

function body(r: () => number): { raw: string | Uint8Array | undefined; type: string | undefined } {
  const k = Math.floor(r() * 10);
  switch (k) {
    case 0: return { raw: undefined, type: undefined };
    case 1: return { raw: '{"a": [1, 2', type: 'application/json' };
    case 2: return { raw: '['.repeat(5000) + ']'.repeat(5000), type: 'application/json' };
    case 3: return { raw: 'x'.repeat(70_000), type: 'application/json' };
    case 4: return { raw: Uint8Array.from({ length: 64 }, () => Math.floor(r() * 256)), type: r() < 0.5 ? 'application/json' : 'application/octet-stream' };
    case 5: return { raw: JSON.stringify(jsonValue(r)), type: r() < 0.1 ? 'application/x-weird' : 'application/json' };
    case 6: return { raw: '"\\ud800 \\u0000 unpaired"', type: 'application/json' };
    default: return { raw: JSON.stringify(jsonValue(r)), type: 'application/json' };
  }
}

function target(r: () => number): { method: string; path: string } {
  const routes = Object.keys(ROUTE_SCOPES).filter((x) => !x.includes('quiesce'));
  const route = routes[Math.floor(r() * routes.length)] as string;
  const [m, p] = route.split(' ') as [string, string];
  const name = () => (r() < 0.6 ? (['example', 'hello', 'calculator'][Math.floor(r() * 3)] as string) : (NAMES[Math.floor(r() * NAMES.length)] as string));
  const path = p
    .replace(':domain', r() < 0.7 ? 'example' : name())
    .replace(':service', r() < 0.6 ? (r() < 0.5 ? 'calculator' : 'hello') : name())
    .replace(':method', r() < 0.8 ? (METHODS[Math.floor(r() * METHODS.length)] as string) : name())
    .replace(':component_id', r() < 0.7 ? COUNTER_ID : name())
    .replace(':worker_name', r() < 0.7 ? `w${Math.floor(r() * 5)}` : name())
    .replace(':idempotency_key', name())
    .replace(':id', r() < 0.3 ? 'j-' : name())
    .replace(':agent', r() < 0.5 ? 'ada' : name())
    .replace(':task_id', r() < 0.5 ? '3f2504e0-4f89-41d3-9a0c-0305e82c3301' : name());
  const method = r() < 0.05 ? (['DELETE', 'PATCH', 'GET'][Math.floor(r() * 3)] as string) : m;
  // Streams that follow forever are asked for what is stored now.
  const query = path.includes('/invoke') && path.startsWith('/v1/') ? `?function=${encodeURIComponent(METHODS[Math.floor(r() * METHODS.length)] as string)}`
    : path === '/v1/events' ? '?follow=false' : '';
  return { method, path: path + query };
}

interface Outcome { status: number; code?: string }
const ALLOWED_500 = new Set(['TAHO_COMPONENT_TRAP', 'TAHO_COMPONENT_ERROR', 'TAHO_INVOKE_TIMEOUT']);

async function one(r: () => number): Promise<Outcome & { what: string }> {
  const { method, path } = target(r);
  const { raw, type } = method === 'GET' ? { raw: undefined, type: undefined } : body(r);
  const auth = r();
  const headers: Record<string, string> = {};
  if (auth < 0.75) headers.authorization = `Bearer ${key}`;
  else if (auth < 0.85) headers['x-api-key'] = 'taho_' + 'z'.repeat(Math.floor(r() * 60));
  if (type) headers['content-type'] = type;
  const what = `${method} ${path.slice(0, 120)} ${type ?? ''} ${typeof raw === 'string' ? raw.slice(0, 60) : raw ? 'bytes' : ''}`;
  const res = await fetch(`${server.url}${path}`, { method, headers, ...(raw === undefined ? {} : { body: raw }) });
  const text = await res.text();
  const ct = res.headers.get('content-type') ?? '';
  if (res.status < 400) return { status: res.status, what };
  expect(ct, `${what} → ${res.status} ${text.slice(0, 200)}`).toContain('application/json');
  const parsed = JSON.parse(text) as {
    error?: string | { code?: string; message?: string }; errors?: unknown; workerError?: unknown;
    Status?: number; Message?: string; Details?: { code?: string };
    type?: string; title?: string; status?: number; detail?: string; code?: string;
  };
  const detail = `${what} → ${res.status} ${text.slice(0, 200)}`;
  // fetch normalizes `..` away, so the family is told by the shape of the body, checked in full.
  if (typeof parsed.Status === 'number') {
    // Bacalhau's APIError, with taho's code in Details.
    expect(parsed.Status, detail).toBe(res.status);
    expect(typeof parsed.Message, detail).toBe('string');
    const code = parsed.Details?.code ?? (res.status === 404 ? 'TAHO_ROUTE_NOT_FOUND' : '');
    expect(code, detail).toMatch(/^TAHO_/);
    return { status: res.status, code, what };
  }
  if (typeof parsed.type === 'string' && parsed.type.startsWith('https://tinytown.dev/errors/')) {
    // Tinytown's ProblemDetails, with taho's code as an extension member.
    expect([parsed.status, typeof parsed.title, typeof parsed.detail], detail).toEqual([res.status, 'string', 'string']);
    expect(String(parsed.code), detail).toMatch(/^TAHO_/);
    return { status: res.status, code: parsed.code as string, what };
  }
  if (typeof parsed.error === 'string' && typeof parsed.status === 'number') {
    // Tinytown's auth body.
    expect([401, 403], detail).toContain(res.status);
    return { status: res.status, code: res.status === 401 ? 'TAHO_UNAUTHORIZED' : 'TAHO_FORBIDDEN', what };
  }
  if (typeof parsed.error !== 'object') {
    expect(path.startsWith('/v1/'), detail).toBe(true);
    // Golem's shapes: 400 {errors: [..]}, others {error: string}, invocation failures with workerError.
    expect(res.status === 400 ? Array.isArray(parsed.errors) : typeof parsed.error === 'string', detail).toBe(true);
    const code = res.status === 500 && parsed.workerError ? 'TAHO_COMPONENT_ERROR' : `GOLEM_${res.status}`;
    return { status: res.status, code, what };
  }
  const error = parsed.error as { code?: string; message?: string } | undefined;
  expect(String(error?.code), detail).toMatch(/^TAHO_/);
  expect(typeof error?.message, what).toBe('string');
  return { status: res.status, code: error?.code as string, what };
}

/**
 * Raw socket abuse: oversized headers, a body that never finishes, and bytes that are not HTTP.
 * Resolves when the server closes, when `until` is satisfied, or at the ceiling.
 */
function raw(payload: string, waitMs: number, until: (out: string) => boolean = () => false): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => socket.write(payload));
    let out = '';
    socket.on('data', (d) => {
      out += d.toString();
      if (until(out)) socket.destroy();
    });
    const done = () => resolve(out);
    socket.on('close', done);
    socket.on('error', done);
    setTimeout(() => { socket.destroy(); done(); }, waitMs);
  });
}

describe('hostile input', () => {
  it(`answers ${TOTAL} generated hostile requests with proper 4xx and stays responsive`, async () => {
    const r = mulberry32(20261124);
    const counts = new Map<number, number>();
    const bad: string[] = [];
    let sent = 0;
    const worker = async () => {
      while (sent < TOTAL) {
        sent += 1;
        if (sent % 500 === 0) {
          const h = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(2000) });
          expect(h.status).toBe(200);
        }
        const o = await one(r);
        counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
        if (o.status >= 500 && !ALLOWED_500.has(o.code ?? '')) bad.push(`${o.status} ${o.code} ${o.what}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(bad.slice(0, 10)).toEqual([]);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(TOTAL);
    // The mix must really have hit the error paths, not only successes.
    for (const status of [400, 401, 404, 413]) expect(counts.get(status) ?? 0, `status ${status}`).toBeGreaterThan(20);
  }, 180_000);

  it('answers oversized headers, slow bodies and garbage in the error shape', async () => {
    const big = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 3000);
    expect(big).toMatch(/^HTTP\/1\.1 431/);
    expect(big).toContain('"TAHO_HEADERS_TOO_LARGE"');
    const slow = await raw(`POST /api/services/example/hello/invoke/greet HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"par`, 6000);
    expect(slow).toMatch(/^HTTP\/1\.1 408/);
    expect(slow).toContain('"TAHO_REQUEST_TIMEOUT"');
    const junk = await raw('\u0000\u0001 NOT HTTP AT ALL\r\n\r\n', 3000);
    expect(junk).toMatch(/^HTTP\/1\.1 400/);
    expect(junk).toContain('"TAHO_BAD_REQUEST"');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, 30_000);
});

/** Node's own HTTP client, which reports a reset or EPIPE while it still sends as an error, not the answer. */
function nodeRequest(options: { method: string; path: string; headers?: Record<string, string | number>; body?: Buffer }): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpRequest({ host, port, method: options.method, path: options.path, headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(options.body);
  });
}

/** Two answers on one connection: the second's body is complete. */
const twoAnswers = (out: string) => (out.match(/HTTP\/1\.1 \d{3}/g) ?? []).length >= 2 && out.trimEnd().endsWith('}');

describe('malformed uploads (POST /v1/components)', () => {
  const upload = (contentType: string, body: string) => `POST /v1/components HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const health = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';

  it('answers a form without a boundary, or of junk, 400 in Golem\'s shape; the connection keeps answering', async () => {
    // Larger than the body limit, so the form parser gives up long before the body ends.
    const junk = 'x'.repeat(200_000);
    for (const type of ['multipart/form-data', 'multipart/form-data; boundary=abc']) {
      const out = await raw(upload(type, junk) + health, 20_000, twoAnswers);
      const [first, second] = out.split(/(?=HTTP\/1\.1 )/);
      expect(first, type).toMatch(/^HTTP\/1\.1 400/);
      expect(JSON.parse(first?.slice(first.indexOf('\r\n\r\n') + 4) ?? '')).toMatchObject({ errors: [expect.stringContaining('the multipart body is malformed')] });
      expect(second, type).toMatch(/^HTTP\/1\.1 200/);
    }
  });

  it('names the limit a form breaks: 200 small fields are too many fields, not too large a body', async () => {
    const form = new FormData();
    for (let i = 0; i < 200; i++) form.append(`f${i}`, 'v');
    const res = await fetch(`${server.url}/v1/components`, { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: ['the form has more than 4 fields'] });
  });
});

describe('raw HTTP edges', () => {
  it('answers CONNECT 405 and a request without Host 400, each with a JSON error', async () => {
    const connectOut = await raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 10_000);
    expect(connectOut).toMatch(/^HTTP\/1\.1 405/);
    expect(connectOut).toContain('"TAHO_METHOD_NOT_ALLOWED"');
    const noHost = await raw('GET /health HTTP/1.1\r\n\r\n', 10_000, (out) => out.trimEnd().endsWith('}'));
    expect(noHost).toMatch(/^HTTP\/1\.1 400/);
    expect(noHost).toContain('no Host header');
  });

  it('lets Node\'s HTTP client read the 431 for a huge header and the 413 for a body over the limit', async () => {
    // Larger than the socket buffers take at once: the client is still sending when the answer comes.
    const big = await nodeRequest({ method: 'GET', path: '/health', headers: { 'x-big': 'a'.repeat(8_000_000) } });
    expect(big).toMatchObject({ status: 431, body: expect.stringContaining('"TAHO_HEADERS_TOO_LARGE"') });
    const body = Buffer.alloc(16_000_000, 'x');
    const tooLarge = await nodeRequest({ method: 'POST', path: '/api/services/example/hello/invoke/greet', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
    expect(tooLarge).toMatchObject({ status: 413, body: expect.stringContaining('"TAHO_BODY_TOO_LARGE"') });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
