import type { ConfigChanges } from '../config/changes.js';
import type { WitType } from '../components/wit-types.js';
import type { ComponentEntry, ReloadReport } from '../components/registry.js';
import type { Service, ServiceState } from './service.js';

/** Plain-JSON views of services and components, the same in-process and over HTTP. */
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
  readonly state: ServiceState;
  readonly isolation: string;
  readonly componentId: string;
  readonly version: string;
  /** Calls accepted and not yet answered (running, or queued behind one): what a drain waits for. */
  readonly inFlight: number;
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
  /** TAHO's name for what this reload added. */
  readonly newly_loaded: readonly string[];
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
  readonly errors: readonly { readonly component: string; readonly error: string }[];
  /** From a server: the configuration keys it took from the file, and those that wait for a restart. */
  readonly config?: ConfigChanges;
}

export function serviceInfo(svc: Service): ServiceInfo {
  const e = svc.entry;
  const names = svc.methodNames();
  return {
    id: e.key, domain: e.domain, service: e.service, state: svc.state, isolation: svc.settings.isolation,
    componentId: e.id, version: e.version, inFlight: svc.inFlight,
    methods: e.signature.functions.map((fn, i) => {
      const name = names[i] ?? fn.name;
      return {
        name,
        signature: svc.plans.get(name)?.signature ?? fn.name,
        params: fn.params,
        ...(fn.result === undefined ? {} : { result: fn.result }),
      };
    }),
  };
}

export function componentInfo(e: ComponentEntry): ComponentInfo {
  return { id: e.id, name: `${e.domain}/${e.service}`, version: e.version, size: e.size, path: e.path, imports: e.signature.imports };
}

/** TAHO's reload body, plus what changed. */
export function reloadResult(report: ReloadReport, loaded: readonly ComponentEntry[]): ReloadResult {
  return {
    status: report.errors.length === 0 ? 'success' : 'partial',
    components_loaded: loaded.length,
    services: loaded.map((e) => e.key),
    newly_loaded: report.added,
    added: report.added, updated: report.updated, removed: report.removed, errors: report.errors,
  };
}

/** One component in full: what `taho components get` prints, and its Golem metadata. */
export interface ComponentDetail extends ComponentInfo {
  /** WIT-like signatures of every exported function. */
  readonly signatures: readonly string[];
  readonly metadata: Record<string, unknown>;
}

export function componentDetail(e: ComponentEntry, signature: (fn: ComponentEntry['signature']['functions'][number]) => string, metadata: Record<string, unknown>): ComponentDetail {
  return {
    ...componentInfo(e),
    signatures: e.signature.functions.map((f) => (f.iface ? `${f.iface}.${signature(f)}` : signature(f))),
    metadata,
  };
}
