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

/** 400: the caller sent something malformed. */
export class ValidationError extends AppError {
  override name = 'ValidationError';
  constructor(message: string, errors: FieldError[] = [], options: Omit<AppErrorOptions, 'errors'> = {}) {
    super('validation_failed', 400, message, { ...options, errors });
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super('not_found', 404, message);
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
