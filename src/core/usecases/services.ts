/**
 * The services family's operations, once: the TAHO routes (src/server/routes/services.ts,
 * admin.ts) and LocalClient both call these, so an answer cannot differ by the way it was asked.
 * Each takes the runtime and plain input and returns plain JSON; the wire framing (status codes,
 * streaming, bytes) stays with the route.
 */
import type { Runtime } from '../runtime.js';
import type { ConfigChanges } from '../config/changes.js';
import type { CallOutcome } from '../services/service.js';
import type { Json } from '../values/plain.js';
import { componentDetail, componentInfo, reloadResult, serviceInfo, type ComponentDetail, type ComponentInfo, type ReloadResult, type ServiceInfo } from '../services/info.js';
import { formatWitFunction } from '../components/wit-print.js';
import { componentView } from '../components/golem-view.js';

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

export interface StatusResponse {
  readonly status: string;
}

export function listServices(runtime: Runtime): ServiceInfo[] {
  return runtime.services.list().map(serviceInfo);
}

export function describeService(runtime: Runtime, domain: string, service: string): ServiceInfo {
  return serviceInfo(runtime.services.get(domain, service));
}

/**
 * Starts a call: a warm inline service answers synchronously (the HTTP hot path must not pay a
 * promise), anything else through the instance's queue. Bad arguments throw before it runs.
 */
export function startInvoke(runtime: Runtime, { domain, service, method, input }: InvokeRequest): CallOutcome | Promise<CallOutcome> {
  const svc = runtime.services.get(domain, service);
  return svc.tryInvokeNow(method, input) ?? svc.invoke(method, input);
}

/** A finished call as JSON (`{result}`), the component's value lifted by the method's result type. */
export function invokeResponse({ plan, value }: CallOutcome): InvokeResponse {
  return { result: plan.result(value) };
}

export async function invoke(runtime: Runtime, request: InvokeRequest): Promise<InvokeResponse> {
  return invokeResponse(await startInvoke(runtime, request));
}

export function listComponents(runtime: Runtime): ComponentInfo[] {
  return runtime.registry.list().map(componentInfo);
}

/** One component by id, id prefix, `domain/service` or `domain.service`, with its signatures and Golem metadata. */
export function describeComponent(runtime: Runtime, ref: string): ComponentDetail {
  const entry = runtime.component(ref);
  return componentDetail(entry, formatWitFunction, componentView(entry));
}

/** Validates, stores and loads an upload under `<service>` or `<domain>/<service>`. */
export async function uploadComponent(runtime: Runtime, name: string, bytes: Uint8Array): Promise<ComponentDetail> {
  const entry = await runtime.addComponent(name, bytes);
  return componentDetail(entry, formatWitFunction, componentView(entry));
}

/** Rescans the repositories; `config` is what a re-read of the configuration changed (a server's). */
export function reload(runtime: Runtime, config?: ConfigChanges): ReloadResult {
  return { ...reloadResult(runtime.reload(), runtime.registry.list()), ...(config ? { config } : {}) };
}

export async function restartService(runtime: Runtime, domain: string, service: string, config?: string): Promise<StatusResponse> {
  await runtime.services.restart(domain, service, config);
  return { status: config === undefined ? 'Service restarted successfully' : 'Service restarted with new configuration' };
}

/**
 * Stops new calls at once (they get TAHO_SERVICE_UNAVAILABLE) and answers; `drained` settles when
 * the calls in flight have finished. A server does not wait for it; a process about to exit does.
 */
export function quiesceService(runtime: Runtime, domain: string, service: string): { response: StatusResponse; drained: Promise<void> } {
  runtime.services.get(domain, service); // an unknown service fails here, not in the background
  const drained = runtime.services.quiesce(domain, service).then(() => undefined);
  return { response: { status: 'quiesced' }, drained };
}
