/** Each family's error body as a schema (the bodies are built in src/server/errors/). */
import { INT, STR } from './schema.js';

const extensions = {
  code: { type: 'string', description: 'taho\'s addition: the stable error code' },
  hint: { type: 'string', description: 'taho\'s addition: what to do' },
} as const;

/** Golem: `{errors: […]}` (400), `{error}`, `{error, workerError}` (a failed invocation). */
export const golemErrorSchema = {
  type: 'object',
  properties: {
    error: STR, errors: { type: 'array', items: STR },
    workerError: { type: 'object', properties: { cause: STR, stderr: STR } },
    ...extensions,
  },
  additionalProperties: true,
} as const;

/** Tinytown: RFC 7807 ProblemDetails, or `{error, status}` for authentication. */
export const tinytownErrorSchema = {
  type: 'object',
  properties: { type: STR, title: STR, status: INT, detail: STR, error: STR, ...extensions },
  additionalProperties: true,
} as const;

/** Bacalhau's APIError; taho's code rides in Details.code. */
export const bacalhauErrorSchema = {
  type: 'object',
  required: ['Status', 'Message', 'Code'],
  properties: {
    Status: INT, Message: STR, RequestID: STR, Code: STR, Component: STR, Hint: STR,
    Details: { type: 'object', additionalProperties: STR },
  },
  additionalProperties: true,
} as const;
