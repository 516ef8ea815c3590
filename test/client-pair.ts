import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Client } from '../src/client/contract.js';
import { HttpClient } from '../src/client/http.js';
import { LocalClient } from '../src/client/local.js';
import { loadConfig } from '../src/core/config/load.js';
import { ROOT, tempDir } from './helpers.js';
import { startServer, type Server } from './server-helpers.js';

/**
 * The two Clients the contract tests compare: LocalClient on its own data directory (inline,
 * in this process) and HttpClient against a real server on another. Registered hooks start and
 * stop them; the returned record is filled by the time the tests run.
 */
export function clientPair(prefix: string): { readonly clients: Record<'local' | 'http', Client>; readonly server: () => Server } {
  const work = tempDir(prefix);
  const clients = {} as Record<'local' | 'http', Client>;
  let server: Server | undefined;
  beforeAll(async () => {
    server = await startServer({ dataDir: join(work, 'server') });
    clients.local = new LocalClient(loadConfig({ cwd: ROOT, env: {}, flags: { data_dir: join(work, 'local') } }), { isolation: 'inline' });
    clients.http = new HttpClient(server.url);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(Object.values(clients).map((c) => c.close()));
    await server?.stop();
  });
  return { clients, server: () => server as Server };
}

/** The error a promise rejects with (a test fails if it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string; details?: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string; hint?: string; details?: unknown };
  }
  throw new Error('expected a rejection');
}
