/**
 * What `vcq` exits with, so scripts can tell what happened without parsing output.
 * README ("The vcq command") lists the same table.
 */
import { VcqApiError } from '@vcq/client';

export const Exit = {
  /** Done: the job completed (a verification OK or WARN, a valid credential). */
  OK: 0,
  /** The job failed or was cancelled, a verification is FAIL, a credential is not valid. */
  FAILED: 1,
  /** The command line is wrong, or the server refused the input (400, 409, 413, 415). */
  USAGE: 2,
  /** No API key, a wrong one, or one without the scope (401, 403). */
  AUTH: 3,
  /** No such job, DID, credential or route (404). */
  NOT_FOUND: 4,
  /** The server failed or could not be reached (5xx, 429, connection refused, timeout). */
  UNAVAILABLE: 5,
} as const;

export type ExitCode = (typeof Exit)[keyof typeof Exit];

/** A mistake on the command line (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The exit code for an HTTP status that is not 2xx. */
export function exitForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return Exit.AUTH;
  if (status === 404 || status === 410) return Exit.NOT_FOUND;
  if (status === 422) return Exit.FAILED;
  if (status === 429 || status >= 500) return Exit.UNAVAILABLE;
  return Exit.USAGE;
}

/** The exit code for anything a command threw. */
export function exitForError(error: unknown): ExitCode {
  if (error instanceof UsageError) return Exit.USAGE;
  if (error instanceof VcqApiError) return exitForStatus(error.status);
  // fetch's "fetch failed" (ECONNREFUSED, DNS), node:http's socket errors, timeouts.
  return Exit.UNAVAILABLE;
}
