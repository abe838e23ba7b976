/**
 * Quotes one word for a POSIX shell (`'...'`, with `'` written as `'\''`), for building remote command
 * lines from paths and names. Never put a secret on a command line: it shows in the pod's process list.
 *
 * @example
 * ```ts
 * shellQuote("it's here"); // "'it'\\''s here'"
 * ```
 */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
