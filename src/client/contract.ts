import type { ConfigView } from '../core/config/load.js';

export type { ConfigView } from '../core/config/load.js';
import type { Json } from '../core/values/plain.js';
import type { ComponentInfo, ReloadResult, ServiceInfo } from '../core/services/info.js';

export type { ComponentInfo, MethodInfo, ReloadResult, ServiceInfo } from '../core/services/info.js';

/**
 * What the CLI and the dashboard can ask of taho, in-process (LocalClient) or over HTTP. Every
 * type here is plain JSON so both implementations return exactly the same shapes.
 */
export interface Client {
  invoke(request: InvokeRequest): Promise<InvokeResponse>;
  services(): Promise<ServiceInfo[]>;
  components(): Promise<ComponentInfo[]>;
  reload(): Promise<ReloadResult>;
  config(): Promise<ConfigView>;
  /** A new instance (with new config when given); calls in flight finish on the old one. */
  restart(domain: string, service: string, config?: string): Promise<StatusResponse>;
  /** Stop taking calls; those in flight finish. */
  quiesce(domain: string, service: string): Promise<StatusResponse>;
  close(): Promise<void>;
}

export interface StatusResponse {
  readonly status: string;
}

export interface InvokeRequest {
  readonly domain: string;
  readonly service: string;
  readonly method: string;
  /** Array: positional; object: by parameter name; anything else: the single parameter. */
  readonly input?: unknown;
}

export interface InvokeResponse {
  readonly result: Json;
}

