import type { z } from 'zod';
import { isStorableText, storableText } from '@vcq/db';
import { ValidationError } from '@vcq/errors';
import { MAX_JSON_DEPTH } from '@vcq/http';

/** Parses a query or body with zod; a failure is a 400 naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw ValidationError.fromZod(parsed.error, `invalid ${what}`, { fallbackField: what });
}

/** The path of the first string (value or key) in `value` that Postgres cannot store, or null. */
function unstorablePath(value: unknown, path: string[], depth = 0): string[] | null {
  if (typeof value === 'string') return isStorableText(value) ? null : path;
  // The door refuses JSON nested deeper, so nothing below that came from a request.
  if (!value || typeof value !== 'object' || depth > MAX_JSON_DEPTH) return null;
  for (const [key, child] of Object.entries(value)) {
    if (!isStorableText(key)) return [...path, storableText(key)];
    const found = unstorablePath(child, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Throws a 400 when `input` holds text Postgres cannot store (NUL, unpaired
 * surrogates) in any key or value: the one check, run at the door on every parsed
 * JSON body, form and URL (see json-body.ts, upload.ts, storable-url.ts), so no
 * route can forget it and no INSERT meets such text as a 500.
 */
export function assertStorable(input: unknown, what: string): void {
  const path = unstorablePath(input, []);
  if (!path) return;
  const field = path.join('.') || what;
  throw new ValidationError(`invalid ${what}`, [{ field, message: 'must not contain NUL characters or unpaired UTF-16 surrogates' }]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else can never name a row (answered 404, not a query). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
