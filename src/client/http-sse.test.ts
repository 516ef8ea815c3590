import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from './http.js';

// An event stream as other servers and proxies write it: CRLF line ends, `data:` without the
// space, comment lines (keep-alives), an event's data over two lines. taho's own server writes
// none of these, so only a foreign writer shows whether the client follows the SSE rules.
const event = (id: number, subject: string) => JSON.stringify({ id, kind: 'town', type: 'task.completed', subject, at: '2026-01-01T00:00:00.000Z', data: {} });
const BODY = [
  ': keep-alive',
  `id: 1`,
  `event: town`,
  `data:${event(1, 'a')}`,
  '',
  ':another comment',
  'id:2',
  'event:town',
  `data: ${event(2, 'b').replace(',"kind"', ',\ndata:"kind"')}`,
  '',
  'event: end',
  'data: {}',
  '',
  '',
].join('\r\n');

let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('HttpClient event stream parsing', () => {
  it('reads CRLF, data: without a space, comments and multi-line data', async () => {
    const seen: string[] = [];
    for await (const e of new HttpClient(url).watch({ follow: false })) seen.push(`${e.id}:${e.subject}`);
    // Joined multi-line data is `<first>\n<rest>`: still one JSON document.
    expect(seen).toEqual(['1:a', '2:b']);
  });
});
