import type { z } from 'zod';
import { ValidationError } from '@vcq/errors';

/** Parses a query or body with zod; a failure is a 400 naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) {
    assertStorable(parsed.data, what);
    return parsed.data;
  }
  throw new ValidationError(
    `invalid ${what}`,
    parsed.error.issues.map((i) => ({ field: i.path.join('.') || what, message: i.message })),
  );
}

// Postgres stores neither NUL in text nor, in jsonb, a UTF-16 surrogate without its
// pair; valid JSON can carry both, so they are refused here rather than by the INSERT (a 500).
// (Built from a string: a NUL written into a regex literal reads as a typo to linters.)
const UNSTORABLE = new RegExp(`${String.fromCharCode(0)}|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]`);

/** The path of the first string (value or key) in `value` that Postgres cannot store, or null. */
function unstorablePath(value: unknown, path: string[], depth = 0): string[] | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : null;
  if (!value || typeof value !== 'object' || depth > 64) return null;
  for (const [key, child] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) return [...path, key.replace(UNSTORABLE, '\ufffd')];
    const found = unstorablePath(child, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** Throws a 400 when `input` holds text Postgres cannot store (NUL, unpaired surrogates). */
export function assertStorable(input: unknown, what: string): void {
  const path = unstorablePath(input, []);
  if (!path) return;
  const field = path.join('.') || what;
  throw new ValidationError(`invalid ${what}`, [{ field, message: 'must not contain NUL characters or unpaired UTF-16 surrogates' }]);
}

/** `value` with what Postgres cannot store replaced by U+FFFD (for metadata such as file names). */
export function storableText(value: string): string {
  return value.replace(new RegExp(UNSTORABLE.source, 'g'), '\ufffd');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else can never name a row (answered 404, not a query). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
