/**
 * How deeply JSON text nests, found before it is parsed. JSON.parse copes with deep
 * nesting, but everything after it that walks the value recursively (JSON.stringify,
 * zod, the storable-text check) overflows the stack a few thousand levels down, and
 * nothing vcq accepts needs more than a handful. One linear pass over the text,
 * with no recursion and no allocation, so 500,000 levels cost one scan.
 */

/** The deepest nesting of objects and arrays vcq accepts in any JSON it parses. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether UTF-8 JSON `text` opens more than `maxDepth` nested objects or arrays.
 * Brackets inside strings do not count, and `\"` does not end a string. Malformed
 * text is not judged here: JSON.parse refuses it afterwards.
 */
export function exceedsJsonDepth(text: Uint8Array, maxDepth = MAX_JSON_DEPTH): boolean {
  // Every byte that matters is ASCII, and in UTF-8 no byte of a multi-byte character
  // is ASCII, so the bytes are scanned as they are, without decoding.
  const length = text.length;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < length; i++) {
    const c = text[i] as number;
    if (inString) {
      if (c === BACKSLASH) i++; // whatever is escaped cannot end the string
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}
