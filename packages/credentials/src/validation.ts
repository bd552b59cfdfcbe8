import { ValidationError } from '@vcq/errors';
import type { z } from 'zod';

/** Parses `value` with `schema`, or throws a ValidationError naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string, prefix = ''): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  // fromZod keeps only paths and messages: zod issues can carry the input, which may be a private key.
  throw ValidationError.fromZod(parsed.error, `Invalid ${what}`, { prefix, fallbackField: '(root)', detail: true });
}

/** A ValidationError about one field. */
export function fieldError(field: string, message: string, cause?: unknown): ValidationError {
  return new ValidationError(`${field} ${message}`, [{ field, message }], cause === undefined ? {} : { cause });
}
