const MAX_KEY_BYTES = 1024;

/**
 * Checks that `key` is a relative object key: not empty, at most 1024 UTF-8 bytes, no leading `/`, no
 * empty, `.` or `..` segments, no backslashes and no control characters. Returns the key unchanged.
 *
 * @example
 * ```ts
 * validateKey('renders/calm_1a2b3c4d.wav'); // 'renders/calm_1a2b3c4d.wav'
 * validateKey('../etc/passwd'); // throws RangeError
 * ```
 */
export function validateKey(key: string): string {
  const fail = (reason: string): never => {
    throw new RangeError(`Cannot use object key: ${reason}: got ${JSON.stringify(key)}`);
  };
  if (key.length === 0) fail('it is empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) fail(`it is longer than ${MAX_KEY_BYTES} bytes`);
  if (key.startsWith('/')) fail('it must be relative (no leading "/")');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) fail('it contains a control character');
  if (key.includes('\\')) fail('it contains a backslash');
  for (const segment of key.split('/')) {
    if (segment === '') fail('it has an empty path segment');
    if (segment === '.' || segment === '..') fail(`it has a "${segment}" path segment`);
  }
  return key;
}

/**
 * Checks a list prefix: empty, or a key-like string that may end with `/`.
 */
export function validatePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  validateKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}
