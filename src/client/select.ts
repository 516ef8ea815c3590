import type { LoadedConfig } from '../core/config/load.js';
import { statSync } from 'node:fs';
import { readServerState, type ServerState } from '../core/server-state.js';
import type { RuntimeOptions } from '../core/runtime.js';
import type { Client } from './contract.js';
import { HttpClient } from './http.js';

export interface SelectClientOptions {
  /** An explicit server (`--url` / `TAHO_URL`). */
  readonly url?: string | undefined;
  /** Sent with every request to a server (`--api-key` / `TAHO_API_KEY`). */
  readonly apiKey?: string | undefined;
  /** Finds the data directory without validating the whole configuration (not called for --url). */
  readonly locate: () => string | undefined;
  /** Loads and validates the configuration: only when the runtime runs in this process. */
  readonly load: () => Promise<LoadedConfig>;
  /** The config file the sources name (not called for --url). */
  readonly configFile?: () => string | undefined;
  readonly runtime?: RuntimeOptions;
}

/**
 * A server given by --url, else the server running on this data directory (so the CLI never
 * opens state a server owns), else the runtime in this process. The runtime and the config schema
 * are imported only in that last case: a command talking to a server starts without them.
 */
export async function selectClient({ url, apiKey, locate, load, configFile, runtime }: SelectClientOptions): Promise<Client> {
  if (url) return new HttpClient(url, { apiKey });
  const dataDir = locate();
  const running = dataDir === undefined ? undefined : readServerState(dataDir);
  if (running) {
    // A file the server does not run with (another one, or edited since) is checked here, so a
    // bad value is reported at once instead of the command quietly using the server's old one.
    const file = configFile?.();
    if (file !== undefined && !runsWith(running, file)) await load();
    return new HttpClient(running.url, { apiKey });
  }
  const loaded = await load();
  // A store several nodes share: a command talks to one of them (any node reaches every agent).
  const { clusterNodeUrl } = await import('../core/cluster/discover.js');
  const node = await clusterNodeUrl(loaded.config.store.url, loaded.config.data_dir);
  if (node) return new HttpClient(node, { apiKey });
  const { LocalClient } = await import('./local.js');
  return new LocalClient(loaded, runtime);
}

function runsWith(state: ServerState, file: string): boolean {
  if (state.config?.file !== file) return false;
  return (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) <= state.config.mtimeMs;
}
