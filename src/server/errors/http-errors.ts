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
      if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
        return new TahoError('TAHO_BAD_REQUEST', e.message, { hint: 'See /openapi.json for what this route accepts.' });
      }
      return toTahoError(err);
  }
}
