/**
 * `Idempotency-Key` on job-creating POSTs. The job id is derived from the key (with
 * the API key and the route, so two clients' keys never meet), which makes the
 * platform's idempotent submit do the rest: the same key and body return the
 * original job, a different body is 409, and concurrent duplicates make one job.
 */
import type { Request } from 'express';
import { ValidationError } from '@vcq/errors';
import { nameBasedUuid } from '@vcq/http';

/** The job id an `Idempotency-Key` stands for, or undefined without the header (400 if malformed). */
export function idempotentJobId(req: Request): string | undefined {
  const key = req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ValidationError('invalid Idempotency-Key', [{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }]);
  }
  return nameBasedUuid(`${req.apiKey?.id ?? ''}\n${req.method} ${req.baseUrl}${req.route?.path ?? req.path}\n${key}`);
}
