import type { LoadedConfig } from '../core/config/load.js';
import { readServerState } from '../core/server-state.js';
import type { RuntimeOptions } from '../core/runtime.js';
import type { Client } from './contract.js';
import { HttpClient } from './http.js';
import { LocalClient } from './local.js';

export interface SelectClientOptions {
  /** An explicit server (`--url` / `TAHO_URL`). */
  readonly url?: string | undefined;
  /** Sent with every request to a server (`--api-key` / `TAHO_API_KEY`). */
  readonly apiKey?: string | undefined;
  /** Loads the configuration only when it is needed (not for an explicit --url). */
  readonly load: () => LoadedConfig;
  readonly runtime?: RuntimeOptions;
}

/**
 * A server given by --url, else the server running on this data directory (so the CLI never
 * opens state a server owns), else the runtime in this process.
 */
export function selectClient({ url, apiKey, load, runtime }: SelectClientOptions): Client {
  if (url) return new HttpClient(url, { apiKey });
  const loaded = load();
  const running = readServerState(loaded.config.data_dir);
  return running ? new HttpClient(running.url, { apiKey }) : new LocalClient(loaded, runtime);
}
