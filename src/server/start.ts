import type { FastifyInstance } from 'fastify';
import { TahoError } from '../core/errors.js';
import { createRuntime, type Runtime } from '../core/runtime.js';
import { removeServerState, writeServerState, type ServerState } from '../core/server-state.js';
import { statSync } from 'node:fs';
import { followConfig } from './config-follow.js';
import { buildApp } from './app.js';
import { tlsOptions } from './tls.js';
import { checkServeSafety } from '../core/auth/startup.js';
import { configView, type LoadedConfig } from '../core/config/load.js';

export interface StartOptions {
  readonly loaded: LoadedConfig;
  /** Reads the configuration again (file, environment, flags) for `taho reload` and a saved file. */
  readonly reread?: () => Promise<LoadedConfig>;
  /** The config file to follow: the one in use, or the ./config.toml that would be. */
  readonly watch?: string | undefined;
  readonly onTranspile?: (label: string, ms: number) => void;
  readonly version: string;
  readonly log: (line: string) => void;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly url: string;
  /** Every address served: plain HTTP first, then HTTPS. */
  readonly urls: readonly string[];
  /** Stops accepting, lets requests in flight finish (bounded by drain_ms), frees services. */
  close(): Promise<void>;
}

/** Binds, announces itself in the data directory, and returns a handle to stop it gracefully. */
export async function startServer({ loaded, reread, watch, onTranspile, version, log }: StartOptions): Promise<RunningServer> {
  const { config } = loaded;
  checkServeSafety(config);
  const https = config.http.tls_enable ? tlsOptions(config.http) : undefined;
  const runtime = createRuntime(config, { onTranspile, prepareLoaded: true });
  const stateOf = (l: LoadedConfig): ServerState['config'] => ({ file: l.file ?? null, mtimeMs: l.file === undefined ? 0 : statSync(l.file, { throwIfNoEntry: false })?.mtimeMs ?? 0 });
  let state: ServerState | undefined;
  const follower = reread === undefined ? undefined : followConfig({
    runtime, loaded, reread, watch, log,
    onApplied: (l) => {
      if (state) writeServerState(config.data_dir, state = { ...state, config: stateOf(l) });
    },
  });
  const view = () => follower?.view() ?? configView(loaded);
  const reloadConfig = follower && (() => follower.reload());
  // Plain HTTP on `port` and HTTPS on `tls_port`, as TAHO serves them: one app each, one runtime.
  const apps: { app: FastifyInstance; port: number; scheme: string }[] = [];
  if (config.http.http_enable) apps.push({ app: await buildApp({ runtime, version, configView: view, reloadConfig }), port: config.http.port, scheme: 'http' });
  if (https) apps.push({ app: await buildApp({ runtime, version, configView: view, reloadConfig, https }), port: config.http.tls_port, scheme: 'https' });
  const urls: string[] = [];
  let recovered: Awaited<ReturnType<typeof runtime.startJobs>> = { requeued: [], failed: [] };
  let interrupted: Awaited<ReturnType<typeof runtime.startTown>> = [];
  const clustered = runtime.stores().cluster !== undefined;
  // Declared before the standbys start: their timers ask whether the server is closing.
  let closing: Promise<void> | undefined;
  try {
    for (const w of (await runtime.stores().verify?.()) ?? []) log(`  warning: ${w}`);
    if (clustered) {
      // A cluster node must be reachable before it takes shards: it listens, then joins.
      for (const { app, port } of apps) urls.push(await listen(app, config.http.bind, port));
      const member = await runtime.joinCluster({ url: urls[0] as string, version, log });
      const retryMs = Math.max(100, Math.floor(config.cluster.lease_ms / 2));
      recovered = await standby(() => runtime.startJobs(), () => runtime.holds('jobs'), 'jobs', log, retryMs, () => closing !== undefined) ?? recovered;
      // Every node runs its own agents' rounds; the town lease adds the town-wide duties.
      interrupted = await runtime.startTownNode();
      await standby(() => runtime.startTown(), () => runtime.holds('town'), 'town', log, retryMs, () => closing !== undefined);
      if (!member) throw new TahoError('TAHO_INTERNAL', 'a shared store without cluster membership');
    } else {
      // This server runs the data directory's jobs; what a killed one left Running is settled first.
      recovered = await runtime.startJobs();
      interrupted = await runtime.startTown();
      for (const { app, port } of apps) urls.push(await listen(app, config.http.bind, port));
    }
  } catch (err) {
    await Promise.all(apps.map(({ app }) => app.close()));
    await runtime.close();
    throw err;
  }
  const url = urls[0] as string;
  // The first agent call should not pay for starting threads; a failure here shows on that call.
  void runtime.agents().warm().catch(() => undefined);
  // Nor a never-seen component's first call for loading the transpiler or starting a thread.
  void runtime.warmUp().catch(() => undefined);
  // Events and old outputs trimmed now and every minute; an oplog is trimmed by its own snapshots.
  runtime.retention().start();
  writeServerState(config.data_dir, state = { url, pid: process.pid, startedAt: new Date().toISOString(), config: stateOf(loaded) });
  for (const u of urls) log(`taho listening on ${u} (TAHO API at ${u}/api)`);
  if (recovered.requeued.length + recovered.failed.length > 0) {
    log(`  jobs interrupted by the last stop: ${recovered.requeued.length} re-queued, ${recovered.failed.length} failed (see their history)`);
  }
  const member = runtime.cluster();
  if (member) log(`  cluster: node ${member.id}, ${member.heldShards().length} of 64 shards, ${member.nodes().filter((n) => n.alive).length} live node(s), store ${runtime.stores().location}`);
  if (interrupted.length > 0) {
    const n = (o: string) => interrupted.filter((r) => r.outcome === o).length;
    const stopped = interrupted.filter((r) => r.process === 'stopped').length;
    log(`  town rounds interrupted by the last stop: ${n('requeued')} re-queued, ${n('failed')} failed; ${stopped} of their processes had outlived it and were stopped`);
  }
  log(`  auth: ${config.http.auth.mode}${config.http.tls_enable ? `, TLS client certificates: ${config.http.client_auth}` : ''}`);
  for (const s of runtime.registry.list()) log(`  service ${s.domain}/${s.service} (${s.version.slice(0, 12)})`);
  for (const e of runtime.startup.errors) log(`  warning: ${e.component}: ${e.error}`);
  log(`  API description: ${url}/openapi.json`);
  log('  Ctrl-C drains and stops; from another terminal: `tt status` (the dashboard), `taho invoke example/hello greet World`');

  const close = () => {
    closing ??= (async () => {
      follower?.close();
      removeServerState(config.data_dir, process.pid);
      // Still answering while it hands its shards over: calls for them wait for the next owner.
      await runtime.cluster()?.leave().catch((err: unknown) => log(`cluster: hand-over failed: ${err instanceof Error ? err.message : String(err)}`));
      const drain = new Promise<void>((resolve) => setTimeout(resolve, config.services.drain_ms).unref());
      // A keep-alive connection busy at close time turns idle only when its response is sent;
      // close it then, or the server would wait for the client's keep-alive to time out.
      const idle = setInterval(() => apps.forEach(({ app }) => app.server.closeIdleConnections()), 25);
      await Promise.race([Promise.all(apps.map(({ app }) => app.close())), drain]);
      clearInterval(idle);
      await runtime.close();
    })();
    return closing;
  };
  return { app: (apps[0] as { app: FastifyInstance }).app, runtime, url, urls, close };
}

/**
 * In a cluster one node runs the jobs and one the town (their leases); another node finding the
 * lease held goes on serving everything else.
 */
async function standby<T>(start: () => Promise<T>, holds: () => boolean, what: string, log: (line: string) => void, retryMs: number, closing: () => boolean): Promise<T | undefined> {
  let first: T | undefined;
  try {
    first = await start();
  } catch (err) {
    if (!(err instanceof TahoError && err.code === 'TAHO_CONFLICT')) throw err;
    log(`  ${what}: run by another node of the cluster (${err.message}); this node takes over if it stops`);
  }
  // A holder's lease expires when its node dies (or stalls past it): whichever node then finds it
  // free takes over, this one included if it was the holder that stalled.
  let trying = false;
  let held = holds();
  const timer = setInterval(() => {
    if (closing()) {
      clearInterval(timer);
      return;
    }
    if (holds()) return;
    if (held) log(`cluster: this node no longer runs the ${what} (another took over)`);
    held = false;
    if (trying) return;
    trying = true;
    start().then(() => {
      held = true;
      log(`cluster: this node runs the ${what} now`);
    }, () => undefined).finally(() => {
      trying = false;
    });
  }, retryMs);
  timer.unref();
  return first;
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    const address = await app.listen({ host, port });
    return address.replace('://0.0.0.0', '://127.0.0.1');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE'
      ? `Another process listens on port ${port}. Stop it, or pick another port (--port, [http] port or tls_port).`
      : 'Check [http] bind and the ports in config.toml.';
    throw new TahoError('TAHO_SERVER_START_FAILED', `cannot listen on ${host}:${port}: ${e.message}`, { hint });
  }
}
