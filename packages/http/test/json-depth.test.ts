import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../src/index.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('exceedsJsonDepth', () => {
  it('when JSON nests exactly to the limit, then it passes; one level more, then it does not', () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(exceedsJsonDepth(bytes(nested(64)))).toBe(false);
    expect(exceedsJsonDepth(bytes(nested(65)))).toBe(true);
    const objects = `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`;
    expect(exceedsJsonDepth(bytes(objects))).toBe(true);
    expect(exceedsJsonDepth(bytes(objects), 65)).toBe(false);
  });

  it('when siblings follow each other, then depth is counted per branch, not summed', () => {
    const wide = `[${Array.from({ length: 1000 }, () => nested(60)).join(',')}]`;
    expect(exceedsJsonDepth(bytes(wide))).toBe(false);
    expect(exceedsJsonDepth(bytes(`[${wide}]`), 62)).toBe(false);
    expect(exceedsJsonDepth(bytes(`[[${wide}]]`), 62)).toBe(true);
  });

  it('when brackets sit inside strings, escaped quotes included, then they do not count', () => {
    const inString = JSON.stringify({ text: '['.repeat(1000), quoted: `"${'{'.repeat(100)}\\"${'['.repeat(100)}` });
    expect(exceedsJsonDepth(bytes(inString))).toBe(false);
    // An escaped backslash ends the escape: the quote after it closes the string.
    expect(exceedsJsonDepth(bytes(`["\\\\",${nested(64)}]`))).toBe(true);
    expect(exceedsJsonDepth(bytes(`["\\"${nested(70)}"]`))).toBe(false);
  });

  it('when text holds multi-byte UTF-8, then the bytes are scanned without being misread', () => {
    const text = JSON.stringify({ emoji: '😀'.repeat(100), han: '漢字'.repeat(100), nested: JSON.parse(nested(60)) });
    expect(exceedsJsonDepth(bytes(text))).toBe(false);
    expect(exceedsJsonDepth(bytes(`["漢字😀",${nested(64)}]`))).toBe(true);
  });

  it('when 500,000 levels arrive, then one pass refuses them without recursion', () => {
    expect(exceedsJsonDepth(bytes(nested(500_000)))).toBe(true);
    expect(exceedsJsonDepth(bytes(`${'{"a":'.repeat(500_000)}1${'}'.repeat(500_000)}`))).toBe(true);
  });
});
