/**
 * The one error family of taho. Every failure a user can see carries a stable code (matched by
 * code, never by message or `instanceof` across process boundaries), an HTTP status, a message
 * for people and a hint saying what to do next. The CLI and each HTTP error mapper render these.
 */

/** What kind of failure: the user's input, something outside us (a component, a process), or our bug. */
export type ErrorKind = 'user' | 'external' | 'bug';

interface CodeSpec {
  readonly status: number;
  readonly kind: ErrorKind;
}

/** The registry of codes. Adding a code here is the only way to create a new one. */
export const ERROR_CODES = {
  TAHO_CONFIG_INVALID: { status: 400, kind: 'user' },
  TAHO_CONFIG_NOT_FOUND: { status: 400, kind: 'user' },
  TAHO_UNSAFE_CONFIG: { status: 400, kind: 'user' },
  TAHO_REPOSITORY_NOT_FOUND: { status: 400, kind: 'user' },
  TAHO_BAD_REQUEST: { status: 400, kind: 'user' },
  TAHO_BAD_JSON: { status: 400, kind: 'user' },
  TAHO_BAD_ARGUMENTS: { status: 400, kind: 'user' },
  TAHO_ROUTE_NOT_FOUND: { status: 404, kind: 'user' },
  TAHO_METHOD_NOT_ALLOWED: { status: 405, kind: 'user' },
  TAHO_SERVICE_NOT_FOUND: { status: 404, kind: 'user' },
  TAHO_METHOD_NOT_FOUND: { status: 404, kind: 'user' },
  TAHO_COMPONENT_NOT_FOUND: { status: 404, kind: 'user' },
  TAHO_UNAUTHORIZED: { status: 401, kind: 'user' },
  TAHO_FORBIDDEN: { status: 403, kind: 'user' },
  TAHO_REQUEST_TIMEOUT: { status: 408, kind: 'user' },
  TAHO_BODY_TOO_LARGE: { status: 413, kind: 'user' },
  TAHO_URI_TOO_LONG: { status: 414, kind: 'user' },
  TAHO_HEADERS_TOO_LARGE: { status: 431, kind: 'user' },
  TAHO_RATE_LIMITED: { status: 429, kind: 'user' },
  TAHO_COMPONENT_INVALID: { status: 400, kind: 'user' },
  TAHO_BUILD_FAILED: { status: 400, kind: 'user' },
  TAHO_TOOLCHAIN_MISSING: { status: 500, kind: 'external' },
  TAHO_COMPONENT_ERROR: { status: 500, kind: 'external' },
  TAHO_COMPONENT_TRAP: { status: 500, kind: 'external' },
  TAHO_AGENT_DIVERGED: { status: 500, kind: 'external' },
  TAHO_AGENT_NOT_FOUND: { status: 404, kind: 'user' },
  TAHO_INVOCATION_CANCELED: { status: 409, kind: 'user' },
  TAHO_CONFLICT: { status: 409, kind: 'user' },
  TAHO_JOB_NOT_FOUND: { status: 404, kind: 'user' },
  TAHO_NODE_NOT_FOUND: { status: 404, kind: 'user' },
  TAHO_EXECUTION_NOT_FOUND: { status: 404, kind: 'user' },
  TAHO_TASK_NOT_FOUND: { status: 404, kind: 'user' },
  TAHO_JOB_FAILED: { status: 500, kind: 'external' },
  TAHO_AMBIGUOUS_ID: { status: 409, kind: 'user' },
  TAHO_UNSUPPORTED_TYPE: { status: 501, kind: 'user' },
  TAHO_SERVICE_UNAVAILABLE: { status: 503, kind: 'external' },
  TAHO_INVOKE_TIMEOUT: { status: 504, kind: 'external' },
  TAHO_SERVER_UNREACHABLE: { status: 503, kind: 'external' },
  TAHO_SERVER_START_FAILED: { status: 500, kind: 'external' },
  TAHO_STORE_READ_ONLY: { status: 503, kind: 'external' },
  TAHO_STORE_FULL: { status: 507, kind: 'external' },
  TAHO_STORE_CORRUPT: { status: 503, kind: 'external' },
  TAHO_STORE_UNREACHABLE: { status: 503, kind: 'external' },
  TAHO_STORE_VERSION: { status: 503, kind: 'external' },
  TAHO_LEASE_LOST: { status: 409, kind: 'external' },
  /** A cluster node asked to run an agent of a shard it does not hold (421 Misdirected Request): ask the owner. */
  TAHO_NOT_OWNER: { status: 421, kind: 'external' },
  /** No cluster node holds the agent's shard yet (a takeover in progress). */
  TAHO_NO_OWNER: { status: 503, kind: 'external' },
  TAHO_INTERNAL: { status: 500, kind: 'bug' },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface TahoErrorOptions {
  readonly hint?: string | undefined;
  /** Structured detail for machines (e.g. the component's error value, the list of what exists). */
  readonly details?: unknown;
  readonly cause?: unknown;
  /** Whether retrying the same request may succeed; schedulers read this, never the message. */
  readonly retryable?: boolean | undefined;
  readonly retryAfterMs?: number | undefined;
}

export class TahoError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly details: unknown;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: TahoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TahoError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.kind = ERROR_CODES[code].kind;
    this.hint = options.hint;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The JSON form shared by `--json` output and the TAHO wire error body. */
  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: unknown } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Matches by code so errors that crossed a worker or package boundary still match. */
export function isTahoError(err: unknown, code?: ErrorCode): err is TahoError {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string' || !(c in ERROR_CODES)) return false;
  return code === undefined || c === code;
}

/** Wraps anything thrown into a TahoError; unknown errors become TAHO_INTERNAL (a bug of ours). */
export function toTahoError(err: unknown): TahoError {
  if (err instanceof TahoError) return err;
  if (isTahoError(err)) {
    const e = err as unknown as { code: ErrorCode; message: string; hint?: string; details?: unknown };
    return new TahoError(e.code, e.message, { hint: e.hint ?? undefined, details: e.details });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TahoError('TAHO_INTERNAL', `internal error: ${message}`, {
    hint: 'This is a bug in taho. Run again with DEBUG=taho for the stack trace and report it.',
    cause: err,
  });
}

/** A short id that starts several ids: the same words for jobs, executions, agents, tasks and keys. */
export function ambiguousId(kind: string, id: string, candidates: readonly string[]): TahoError {
  return new TahoError('TAHO_AMBIGUOUS_ID', `${kind} id ${id} is ambiguous: it matches ${candidates.join(', ')}`, {
    hint: `Use full ${kind} ID, or a longer prefix.`, details: { candidates },
  });
}
