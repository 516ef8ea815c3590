import type { TahoError } from '../../core/errors.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout',
  409: 'Conflict', 413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/**
 * Tinytown's bodies (wire/tinytown.md §1–2): auth failures are `{error, status}` with its exact
 * words; everything else is RFC 7807 ProblemDetails. Unlike Tinytown, a client's mistake keeps
 * its 4xx (an unknown agent is 404, not 500), and a hint rides along for people.
 */
export function tinytownErrorBody(err: TahoError): Record<string, unknown> {
  if (err.code === 'TAHO_UNAUTHORIZED') {
    return { error: err.message.includes('not valid') ? 'Invalid credentials' : 'Authentication required', status: 401, hint: err.hint };
  }
  if (err.code === 'TAHO_FORBIDDEN' && err.message.includes('lacks the scope')) return { error: 'Insufficient permissions', status: 403, detail: err.message };
  return {
    type: `https://tinytown.dev/errors/${err.status}`,
    title: TITLES[err.status] ?? 'Error',
    status: err.status,
    detail: err.message,
    // RFC 7807 extension members: taho's stable code and a hint for people.
    code: err.code,
    ...(err.hint ? { hint: err.hint } : {}),
  };
}

export function isTinytownUrl(url: string): boolean {
  return (url.startsWith('/v1/') && !url.startsWith('/v1/components')) || url.startsWith('/api/scaling') || url.startsWith('/metrics');
}
