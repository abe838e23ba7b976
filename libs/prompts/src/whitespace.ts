/**
 * True for the characters that `String.prototype.trim` and the regex class `\s` remove or match:
 * tab, line feed, vertical tab, form feed, carriage return, space, the Unicode space separators (Zs),
 * U+2028, U+2029 and U+FEFF. Lets the line parser find trimmed field bounds without slicing first.
 */
function isWhitespace(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** The first UTF-16 offset in `[start, end)` of `text` that is not whitespace, or `end`. */
export function skipWhitespace(text: string, start: number, end: number): number {
  let index = start;
  while (index < end && isWhitespace(text.charCodeAt(index))) index++;
  return index;
}

/** The UTF-16 offset after the last character in `[start, end)` of `text` that is not whitespace. */
export function skipWhitespaceBack(text: string, start: number, end: number): number {
  let index = end;
  while (index > start && isWhitespace(text.charCodeAt(index - 1))) index--;
  return index;
}
