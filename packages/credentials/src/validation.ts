import { type FieldError, ValidationError } from '@vcq/errors';
import type { z } from 'zod';

/** Parses `value` with `schema`, or throws a ValidationError naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string, prefix = ''): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Only paths and messages: zod issues can carry the input, which may be a private key.
  const errors: FieldError[] = parsed.error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: issue.message,
  }));
  throw new ValidationError(`Invalid ${what}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
}

/** A ValidationError about one field. */
export function fieldError(field: string, message: string, cause?: unknown): ValidationError {
  return new ValidationError(`${field} ${message}`, [{ field, message }], cause === undefined ? {} : { cause });
}
