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
export interface HttpLimits {
  readonly bodyLimit: number;
  /** @fastify/multipart's limits on component uploads. */
  readonly form: { readonly files: number; readonly fields: number; readonly parts: number };
}

export function fromHttpError(err: unknown, limits: HttpLimits): TahoError {
  const e = err as FastifyLikeError;
  if (e.validation) {
    const where = e.validationContext ?? 'request';
    const problems = e.validation.map((v) => `${where}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''} ${v.message ?? 'is invalid'}`);
    return new TahoError('TAHO_BAD_REQUEST', `invalid request: ${problems.join('; ')}`, {
      hint: 'See /openapi.json for what this route accepts.',
    });
  }
  const form = multipartError(e, limits);
  if (form) return form;
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

const FORM_HINT = 'Send a multipart form with the fields `name` and `component` (the .wasm file) only, or the bytes as application/wasm with ?name=<name>.';

/** @fastify/multipart's limit errors, each naming the limit that was hit (they all say 413 otherwise). */
function multipartError(e: FastifyLikeError, limits: HttpLimits): TahoError | undefined {
  switch (e.code) {
    case 'FST_FIELDS_LIMIT':
      return new TahoError('TAHO_BAD_REQUEST', `the form has more than ${limits.form.fields} fields`, { hint: FORM_HINT });
    case 'FST_FILES_LIMIT':
      return new TahoError('TAHO_BAD_REQUEST', `the form has more than ${limits.form.files} files`, { hint: FORM_HINT });
    case 'FST_PARTS_LIMIT':
      return new TahoError('TAHO_BAD_REQUEST', `the form has more than ${limits.form.parts} parts`, { hint: FORM_HINT });
    case 'FST_REQ_FILE_TOO_LARGE':
      return new TahoError('TAHO_BODY_TOO_LARGE', `the uploaded file is larger than ${limits.bodyLimit} bytes`, {
        hint: 'Upload a smaller component, or raise [limits] body_limit_bytes in config.toml.',
      });
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_PROTO_VIOLATION':
    case 'FST_MP_PREMATURE_CLOSE':
      return new TahoError('TAHO_BAD_REQUEST', `the form is not valid: ${e.message}`, { hint: FORM_HINT });
    default:
      return undefined;
  }
}

/** What the form parser (busboy) throws on a malformed body: plain errors, with no code or status. */
export function malformedForm(err: unknown): unknown {
  const e = err as FastifyLikeError;
  if (typeof err !== 'object' || err === null || e.code !== undefined || e.statusCode !== undefined || err instanceof TahoError) return err;
  return new TahoError('TAHO_BAD_REQUEST', `the multipart body is malformed: ${e.message}`, { hint: FORM_HINT });
}

/**
 * Errors Node's HTTP parser raises before a request reaches fastify (oversized headers, a body
 * too slow to arrive, garbage instead of HTTP), as the error answered on the socket.
 */
export function clientError(err: NodeJS.ErrnoException): TahoError {
  if (err.code === 'HPE_HEADER_OVERFLOW') return new TahoError('TAHO_HEADERS_TOO_LARGE', 'request headers are too large', { hint: 'Send smaller headers, or raise [limits] max_header_bytes.' });
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new TahoError('TAHO_REQUEST_TIMEOUT', 'the request did not arrive in time', { hint: 'Send the whole request within [limits] request_timeout_ms.' });
  return new TahoError('TAHO_BAD_REQUEST', `malformed HTTP request (${err.code ?? 'parse error'})`, { hint: 'Send a valid HTTP/1.1 request.' });
}
