/**
 * How many terminal columns a string takes: a CJK character takes two, a combining mark or a control character none.
 * Product ids and file names of sellers in China are Chinese, and `padEnd` counts UTF-16 units, so a table or a
 * progress line padded by length drifts out of line. The code point ranges are those Node.js's own console uses
 * (lib/internal/util/inspect.js), from Unicode's EastAsianWidth.txt.
 */

/** Columns taken by `text` on a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += columnsOf(char.codePointAt(0)!);
  return width;
}

/** `text` followed by spaces up to `width` columns (unchanged when it is already as wide). */
export function padEndToWidth(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/** The end of `text` that fits in `width` columns, whole characters only (a file name's end says most about it). */
export function tailWithinWidth(text: string, width: number): string {
  const chars = [...text];
  let used = 0;
  let start = chars.length;
  for (; start > 0; start--) {
    const columns = columnsOf(chars[start - 1].codePointAt(0)!);
    if (used + columns > width) break;
    used += columns;
  }
  return chars.slice(start).join("");
}

function columnsOf(code: number): number {
  if (isZeroWidth(code)) return 0;
  return isFullWidth(code) ? 2 : 1;
}

function isFullWidth(code: number): boolean {
  return (
    code >= 0x1100 &&
    (code <= 0x115f || // Hangul Jamo
      code === 0x2329 ||
      code === 0x232a ||
      (code >= 0x2e80 && code <= 0x3247 && code !== 0x303f) || // CJK Radicals … Enclosed CJK Letters
      (code >= 0x3250 && code <= 0x4dbf) || // … CJK Unified Ideographs Extension A
      (code >= 0x4e00 && code <= 0xa4c6) || // CJK Unified Ideographs … Yi Radicals
      (code >= 0xa960 && code <= 0xa97c) || // Hangul Jamo Extended-A
      (code >= 0xac00 && code <= 0xd7a3) || // Hangul Syllables
      (code >= 0xf900 && code <= 0xfaff) || // CJK Compatibility Ideographs
      (code >= 0xfe10 && code <= 0xfe19) || // Vertical Forms
      (code >= 0xfe30 && code <= 0xfe6b) || // CJK Compatibility Forms … Small Form Variants
      (code >= 0xff01 && code <= 0xff60) || // Fullwidth Forms
      (code >= 0xffe0 && code <= 0xffe6) ||
      (code >= 0x1b000 && code <= 0x1b001) || // Kana Supplement
      (code >= 0x1f200 && code <= 0x1f251) || // Enclosed Ideographic Supplement
      (code >= 0x1f300 && code <= 0x1f64f) || // Pictographs and Emoticons
      (code >= 0x20000 && code <= 0x3fffd)) // CJK Unified Ideographs Extension B … Tertiary Ideographic Plane
  );
}

function isZeroWidth(code: number): boolean {
  return (
    code <= 0x1f || // C0 controls
    (code >= 0x7f && code <= 0x9f) || // C1 controls
    (code >= 0x300 && code <= 0x36f) || // Combining Diacritical Marks
    (code >= 0x200b && code <= 0x200f) || // zero-width spaces and direction marks
    (code >= 0x20d0 && code <= 0x20ff) || // Combining Diacritical Marks for Symbols
    (code >= 0xfe00 && code <= 0xfe0f) || // Variation Selectors
    (code >= 0xfe20 && code <= 0xfe2f) || // Combining Half Marks
    (code >= 0xe0100 && code <= 0xe01ef) // Variation Selectors Supplement
  );
}
