import type { ConfigEntry } from '../core/config/load.js';
import type { Json } from '../core/values/plain.js';
import type { WitType } from '../core/components/wit-types.js';

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
  close(): Promise<void>;
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

export interface MethodInfo {
  readonly name: string;
  /** WIT-like, e.g. `add: func(a: s32, b: s32) -> s32`. */
  readonly signature: string;
  readonly params: readonly { readonly name: string; readonly type: WitType }[];
  readonly result?: WitType;
}

export interface ServiceInfo {
  /** TAHO's service id, `domain.service`. */
  readonly id: string;
  readonly domain: string;
  readonly service: string;
  readonly componentId: string;
  readonly version: string;
  readonly methods: readonly MethodInfo[];
}

export interface ComponentInfo {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly size: number;
  readonly path: string;
  readonly imports: readonly string[];
}

export interface ReloadResult {
  readonly status: 'success' | 'partial';
  readonly components_loaded: number;
  readonly services: readonly string[];
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
  readonly errors: readonly { readonly component: string; readonly error: string }[];
}

export interface ConfigView {
  readonly file: string | null;
  readonly entries: readonly ConfigEntry[];
}
