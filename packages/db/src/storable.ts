/**
 * Text Postgres cannot store. `text` refuses NUL, and `jsonb` refuses both the
 * `\u0000` escape and a UTF-16 surrogate without its pair; valid JSON and valid
 * JavaScript strings can carry either. Requests are refused at the API's door when
 * they hold them; what vcq cannot refuse there (claims inside a signed credential,
 * which base64url hides) is written with U+FFFD in their place, here, once.
 */

// Built from a string: a NUL written into a regex literal reads as a typo to linters.
const UNSTORABLE_SOURCE = `${String.fromCharCode(0)}|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]`;
const UNSTORABLE = new RegExp(UNSTORABLE_SOURCE);
const UNSTORABLE_ALL = new RegExp(UNSTORABLE_SOURCE, 'g');

/**
 * In JSON.stringify's output NUL is always the escape `\u0000`, and a lone surrogate
 * is always escaped too (paired ones are written as they are), so both are found in
 * the text without walking the value. An odd run of backslashes before the `u` is
 * what makes it an escape; an even one is escaped backslashes followed by a plain "u".
 * The look-behind anchors each match at the start of its run, so long runs stay linear.
 */
const UNSTORABLE_ESCAPE = /(?<!\\)(\\+)u(?:0000|d[89a-f][0-9a-f]{2})/g;

/** Whether Postgres can store `value` as text (no NUL, no unpaired surrogate). */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** `value` with what Postgres cannot store replaced by U+FFFD. */
export function storableText(value: string): string {
  return isStorableText(value) ? value : value.replace(UNSTORABLE_ALL, '\ufffd');
}

/** JSON text whose unstorable escapes are U+FFFD; `changed` says whether any was. */
function storableJsonText(value: unknown): { text: string; changed: boolean } {
  const text = JSON.stringify(value) ?? 'null';
  if (!text.includes('\\u')) return { text, changed: false };
  let changed = false;
  const safe = text.replace(UNSTORABLE_ESCAPE, (match, slashes: string) => {
    if (slashes.length % 2 === 0) return match;
    changed = true;
    return `${slashes}ufffd`;
  });
  return { text: safe, changed };
}

/** `JSON.stringify(value)` that Postgres's jsonb accepts, for raw statements. */
export function storableJson(value: unknown): string {
  return storableJsonText(value).text;
}

/** `value` as jsonb will store it: itself when storable, else a copy with U+FFFD in place of what is not. */
export function storableValue<T>(value: T): T {
  const { text, changed } = storableJsonText(value);
  return changed ? (JSON.parse(text) as T) : value;
}
