import type { FastifyInstance } from 'fastify';
import { TahoError } from '../core/errors.js';
import { createRuntime, type Runtime } from '../core/runtime.js';
import { removeServerState, writeServerState } from '../core/server-state.js';
import { buildApp } from './app.js';
import { configView, type LoadedConfig } from '../core/config/load.js';

export interface StartOptions {
  readonly loaded: LoadedConfig;
  readonly onTranspile?: (label: string, ms: number) => void;
  readonly version: string;
  readonly log: (line: string) => void;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly url: string;
  /** Stops accepting, lets requests in flight finish (bounded by drain_ms), frees services. */
  close(): Promise<void>;
}

/** Binds, announces itself in the data directory, and returns a handle to stop it gracefully. */
export async function startServer({ loaded, onTranspile, version, log }: StartOptions): Promise<RunningServer> {
  const { config } = loaded;
  const runtime = createRuntime(config, { onTranspile });
  const app = await buildApp({ runtime, version, configView: () => configView(loaded) });
  let address: string;
  try {
    address = await app.listen({ host: config.http.bind, port: config.http.port });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE'
      ? `Another process listens on port ${config.http.port}. Stop it, or pick another port with --port or [http] port.`
      : 'Check [http] bind and port in config.toml.';
    throw new TahoError('TAHO_SERVER_START_FAILED', `cannot listen on ${config.http.bind}:${config.http.port}: ${e.message}`, { hint });
  }
  const url = address.replace('://[::1]', '://[::1]').replace('://0.0.0.0', '://127.0.0.1');
  writeServerState(config.data_dir, { url, pid: process.pid, startedAt: new Date().toISOString() });
  log(`taho listening on ${url} (TAHO API at ${url}/api)`);
  for (const s of runtime.registry.list()) log(`  service ${s.domain}/${s.service} (${s.version.slice(0, 12)})`);
  for (const e of runtime.startup.errors) log(`  warning: ${e.component}: ${e.error}`);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      removeServerState(config.data_dir, process.pid);
      const drain = new Promise<void>((resolve) => setTimeout(resolve, config.services.drain_ms).unref());
      // A keep-alive connection busy at close time turns idle only when its response is sent;
      // close it then, or the server would wait for the client's keep-alive to time out.
      const idle = setInterval(() => app.server.closeIdleConnections(), 25);
      await Promise.race([app.close(), drain]);
      clearInterval(idle);
      await runtime.close();
    })();
    return closing;
  };
  return { app, runtime, url, close };
}
