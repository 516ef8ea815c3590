import type { TahoError } from '../../core/errors.js';

/**
 * Bacalhau's APIError body (wire/bacalhau.md §1): `{Status, Message, RequestID, Code, Component,
 * Hint?, Details?}`, with bacerrors' codes inferred from the status as Bacalhau does.
 */
export function bacalhauErrorBody(err: TahoError, requestId: string): Record<string, unknown> {
  if (err.code === 'TAHO_ROUTE_NOT_FOUND') {
    return {
      Status: 404, Message: 'The requested resource/URL was not found.', RequestID: requestId, Code: 'NotFound', Component: 'APIServer',
      Hint: 'The server version may be older than this CLI version and does not support the endpoint yet.',
      Details: { cli_usage: 'If you are using the CLI, try updating your server to a newer version or check if the command is supported in your server version.' },
    };
  }
  // taho's own code rides along in Details, so taho's client can tell a missing node from a missing job.
  const details = { ...detailsOf(err.details), code: err.code };
  return {
    Status: err.status,
    Message: err.message,
    RequestID: requestId,
    // Bacalhau's 400s (bind, validation, paging token, label selector) are echo HTTPErrors:
    // Code "InternalError" even at 400, from the "APIServer" component.
    Code: err.status === 400 ? 'InternalError' : CODES[err.status] ?? 'InternalError',
    Component: err.status === 400 ? 'APIServer' : err.code === 'TAHO_JOB_NOT_FOUND' || err.code === 'TAHO_AMBIGUOUS_ID' ? 'JobStore' : 'Bacalhau',
    ...(err.hint ? { Hint: err.hint } : {}),
    Details: details,
  };
}

const CODES: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 408: 'TimeOutError', 409: 'ResourceInUse',
  413: 'BadRequest', 414: 'BadRequest', 429: 'ResourceExhausted', 431: 'BadRequest', 501: 'NotImplemented', 503: 'ServiceUnavailable',
};

/** Bacalhau's Details is a map of strings. */
function detailsOf(d: unknown): Record<string, string> | undefined {
  if (d === undefined || d === null || typeof d !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return Object.keys(out).length > 0 ? out : undefined;
}

export function isBacalhauUrl(url: string): boolean {
  return url.startsWith('/api/v1/');
}
