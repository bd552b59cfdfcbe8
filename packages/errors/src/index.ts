/**
 * vcq's error hierarchy.
 *
 * - `AppError`: anything with a stable `code` and an HTTP `status`; the API's error
 *   middleware turns it into an RFC 9457 problem+json answer.
 * - `PermanentJobError`: a job that can never succeed (bad input, unsupported method).
 *   The worker adapter fails it at once instead of retrying.
 * - `UpstreamError`: a peer (RPC node, manifest host, gateway) misbehaved; transient,
 *   so a job retries it with backoff, and a synchronous request answers 502.
 *
 * Errors wrap their cause (`{ cause }`) so logs keep the whole chain.
 */

import type { ZodError } from 'zod';

export interface FieldError {
  /** The request field (or JSON path) the problem is about. */
  field: string;
  message: string;
}

export interface AppErrorOptions {
  cause?: unknown;
  errors?: FieldError[];
  /** Extra, safe-to-show members for the problem document. */
  extensions?: Record<string, unknown>;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown> | undefined;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errors = options.errors;
    this.extensions = options.extensions;
  }
}

/** How zod issue paths become field names. */
export interface ZodFieldOptions {
  /** Put before every path (`payload` gives `payload.data.id`); an issue about the whole value is then named by it. */
  prefix?: string;
  /** The field of an issue about the whole value (an empty path) when there is no prefix; `(body)` by default. */
  fallbackField?: string;
}

/**
 * The one conversion from zod issues to field errors: each issue's path joined with
 * dots, and its message. Only paths and messages: an issue can carry the input it
 * refused, which may be a secret (a private key), so nothing else is kept.
 */
export function fieldErrorsFromZod(error: ZodError, options: ZodFieldOptions = {}): FieldError[] {
  const { prefix, fallbackField = '(body)' } = options;
  return error.issues.map((issue) => {
    // String(): a path may hold numbers (array indices) and, in principle, symbols.
    const path = issue.path.map(String).join('.');
    const field = prefix ? (path ? `${prefix}.${path}` : prefix) : path || fallbackField;
    return { field, message: issue.message };
  });
}

/** Field errors as one line for a message or a log: `a.b is bad; c is bad`. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field} ${e.message}`).join('; ');
}

/** 400: the caller sent something malformed. */
export class ValidationError extends AppError {
  override name = 'ValidationError';
  constructor(message: string, errors: FieldError[] = [], options: Omit<AppErrorOptions, 'errors'> = {}) {
    super('validation_failed', 400, message, { ...options, errors });
  }

  /**
   * A ValidationError naming each field zod refused. With `detail`, the message is
   * followed by the fields and their problems (`message: a.b is bad; c is bad`), for
   * places where only the message travels (a job row, a log line).
   */
  static fromZod(
    error: ZodError,
    message: string,
    options: ZodFieldOptions & Omit<AppErrorOptions, 'errors'> & { detail?: boolean } = {},
  ): ValidationError {
    const { prefix, fallbackField, detail, ...rest } = options;
    const errors = fieldErrorsFromZod(error, { prefix, fallbackField });
    return new ValidationError(detail ? `${message}: ${formatFieldErrors(errors)}` : message, errors, rest);
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message: string, options: { code?: string } = {}) {
    super(options.code ?? 'not_found', 404, message);
  }
}

/** 404 for a job id nobody can see: its own problem type, whose short `error` is Internet ID's "Job not found". */
export class JobNotFoundError extends NotFoundError {
  override name = 'JobNotFoundError';
  constructor(message: string) {
    super(message, { code: 'job_not_found' });
  }
}

/** 410: the resource existed and is gone for good (a deactivated did:web's document, say). */
export class GoneError extends AppError {
  override name = 'GoneError';
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'gone', 410, message, options);
  }
}

/** 503: a dependency vcq needs (database, queue) is not reachable right now. */
export class UnavailableError extends AppError {
  override name = 'UnavailableError';
  constructor(message: string, options: AppErrorOptions = {}) {
    super('service_unavailable', 503, message, options);
  }
}

/** A peer failed in a way that may pass (timeout, 5xx, connection refused). Retried. */
export class UpstreamError extends AppError {
  override name = 'UpstreamError';
  constructor(message: string, options: AppErrorOptions = {}) {
    super('upstream_failed', 502, message, options);
  }
}

/**
 * A job failure that retrying cannot fix. The worker adapter maps it to BullMQ's
 * UnrecoverableError; synchronously it answers with `status` (422 by default).
 */
export class PermanentJobError extends AppError {
  override name = 'PermanentJobError';
  constructor(message: string, options: AppErrorOptions & { code?: string; status?: number } = {}) {
    super(options.code ?? 'permanent_failure', options.status ?? 422, message, options);
  }
}

export function isPermanent(error: unknown): boolean {
  return error instanceof PermanentJobError || (error instanceof AppError && error.status >= 400 && error.status < 500);
}

/** What callers are told of a failure that is not vcq's own (a driver, SQL, a bug). */
export const INTERNAL_ERROR_MESSAGE = 'an internal error occurred; it has been logged';

/**
 * What a caller may be told of any thrown value: an AppError's own code and message;
 * anything else is `internal_error` with a generic message, because its text (SQL,
 * driver output, file paths) is for the logs, and reaches job rows, API answers,
 * webhook payloads and the queue dashboard otherwise. Log the error itself.
 */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  return { code: 'internal_error', message: INTERNAL_ERROR_MESSAGE };
}

/**
 * The short `error` string of each problem type, an RFC 9457 extension member beside
 * `type` and `detail`: Internet ID's clients show `body.error` (`"Job not found"`,
 * `"Validation failed"`), so every problem carries one. A code not listed here gets
 * the short phrase of its status.
 */
const shortErrors: Record<string, string> = {
  validation_failed: 'Validation failed',
  invalid_upload: 'Validation failed',
  job_not_found: 'Job not found',
  not_verified: 'Credential does not verify',
  not_found: 'Not found',
  batch_too_large: 'Batch too large',
  idempotency_conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  internal_error: 'Internal server error',
  database_unavailable: 'Service unavailable',
};

const shortByStatus: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  408: 'Request timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  431: 'Request headers too large',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/** The short `error` member of a problem of type `code` answered with `status`. */
export function shortError(code: string, status: number): string {
  return shortErrors[code] ?? shortByStatus[status] ?? (status >= 500 ? 'Server error' : 'Request failed');
}
