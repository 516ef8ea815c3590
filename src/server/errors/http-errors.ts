import { TahoError, toTahoError } from '../../core/errors.js';

interface FastifyLikeError {
  readonly code?: string;
  readonly statusCode?: number;
  readonly validation?: readonly { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  readonly validationContext?: string;
  readonly message: string;
}

/**
 * Fastify's own failures (schema validation, body parsing, size limits) as TahoErrors, so every
 * family's mapper renders one error type.
 */
export function fromHttpError(err: unknown, limits: { readonly bodyLimit: number }): TahoError {
  const e = err as FastifyLikeError;
  if (e.validation) {
    const where = e.validationContext ?? 'request';
    const problems = e.validation.map((v) => `${where}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''} ${v.message ?? 'is invalid'}`);
    return new TahoError('TAHO_BAD_REQUEST', `invalid request: ${problems.join('; ')}`, {
      hint: 'See /openapi.json for what this route accepts.',
    });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TahoError('TAHO_BODY_TOO_LARGE', `request body is larger than ${limits.bodyLimit} bytes`, {
        hint: 'Send less, or raise [limits] body_limit_bytes in config.toml.',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new TahoError('TAHO_BAD_JSON', 'the body is empty but Content-Type says application/json', {
        hint: 'Send a JSON value, or leave out the Content-Type header for a call without arguments.',
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TahoError('TAHO_BAD_REQUEST', `unsupported Content-Type: ${e.message}`, {
        hint: 'Send application/json, or application/octet-stream for a single list<u8> parameter.',
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case undefined:
      if (err instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        return new TahoError('TAHO_BAD_JSON', `the body is not valid JSON: ${e.message}`, {
          hint: 'Send one JSON value: an array (positional), an object (by name) or a single value.',
        });
      }
      return toTahoError(err);
    default:
      if (e.statusCode === 413) {
        return new TahoError('TAHO_BODY_TOO_LARGE', `request body is larger than ${limits.bodyLimit} bytes`, {
          hint: 'Send less, or raise [limits] body_limit_bytes in config.toml.',
        });
      }
      if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
        return new TahoError('TAHO_BAD_REQUEST', e.message, { hint: 'See /openapi.json for what this route accepts.' });
      }
      return toTahoError(err);
  }
}

/**
 * Errors Node's HTTP parser raises before a request reaches fastify (oversized headers, a body
 * too slow to arrive, garbage instead of HTTP): answered in the same error shape, then closed.
 */
export function clientErrorResponse(err: NodeJS.ErrnoException): string {
  const e = err.code === 'HPE_HEADER_OVERFLOW'
    ? new TahoError('TAHO_HEADERS_TOO_LARGE', 'request headers are too large', { hint: 'Send smaller headers, or raise [limits] max_header_bytes.' })
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new TahoError('TAHO_REQUEST_TIMEOUT', 'the request did not arrive in time', { hint: 'Send the whole request within [limits] request_timeout_ms.' })
      : new TahoError('TAHO_BAD_REQUEST', `malformed HTTP request (${err.code ?? 'parse error'})`, { hint: 'Send a valid HTTP/1.1 request.' });
  const body = JSON.stringify({ error: e.toJSON() });
  const reason = e.status === 431 ? 'Request Header Fields Too Large' : e.status === 408 ? 'Request Timeout' : 'Bad Request';
  return `HTTP/1.1 ${e.status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
