import type { z } from 'zod';
import { ValidationError } from '@vcq/errors';

/** Parses a query or body with zod; a failure is a 400 naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `invalid ${what}`,
    parsed.error.issues.map((i) => ({ field: i.path.join('.') || what, message: i.message })),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else can never name a row (answered 404, not a query). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
