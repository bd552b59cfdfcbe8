/**
 * `Idempotency-Key` on job-creating POSTs. The job id is derived from the key (with
 * the API key and the route, so two clients' keys never meet), which makes the
 * platform's idempotent submit do the rest: the same key and body return the
 * original job, a different body is 409, and concurrent duplicates make one job.
 */
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { ValidationError } from '@vcq/errors';

/** A name-based (version 5, SHA-1) UUID in vcq's namespace. */
function uuidV5(name: string): string {
  const namespace = Buffer.from('5a1c3b9e7f2d4e6a8b0c1d2e3f405162', 'hex');
  const bytes = createHash('sha1').update(namespace).update(name).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The job id an `Idempotency-Key` stands for, or undefined without the header (400 if malformed). */
export function idempotentJobId(req: Request): string | undefined {
  const key = req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ValidationError('invalid Idempotency-Key', [{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }]);
  }
  return uuidV5(`${req.apiKey?.id ?? ''}\n${req.method} ${req.baseUrl}${req.route?.path ?? req.path}\n${key}`);
}
