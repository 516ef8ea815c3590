import type { TahoError } from '../../core/errors.js';

/**
 * Golem's error bodies (wire/golem.md): 400 `{errors: [..]}`, 401/403/404/409 `{error}`,
 * 500 `{error, workerError: {cause, stderr}}` for an invocation that failed inside the component.
 */
export function golemErrorBody(err: TahoError): Record<string, unknown> {
  // Extension members, as in the other families' bodies: taho's stable code (clients decode by it,
  // never by the status) and the hint. Golem's own clients ignore members they do not know.
  const extra = { code: err.code, ...(err.hint ? { hint: err.hint } : {}) };
  if (err.status === 400) {
    const list = (err.details as { errors?: unknown } | undefined)?.errors;
    return { errors: Array.isArray(list) ? list.map(String) : [err.message], ...extra };
  }
  if (err.status >= 500 && (err.code === 'TAHO_COMPONENT_TRAP' || err.code === 'TAHO_COMPONENT_ERROR' || err.code === 'TAHO_AGENT_DIVERGED')) {
    return { error: 'Invocation Failed', workerError: { cause: err.message, stderr: '' }, ...extra };
  }
  return { error: err.message, ...extra };
}

/** Which family's error shape a URL gets. */
export function isGolemUrl(url: string): boolean {
  return url.startsWith('/v1/components');
}
