import { describe, expect, it } from 'vitest';
import { validateKey, validatePrefix } from './store-key.js';

describe('validateKey', () => {
  it.each(['a.wav', 'reports/2026/x.json', 'calm piano_1a2b3c4d.wav', 'é/🎹.wav', '.hidden', 'a..b.wav'])(
    'accepts %j',
    (key) => {
      expect(validateKey(key)).toBe(key);
    },
  );

  it.each([
    ['', 'Cannot use object key: it is empty: got ""'],
    ['/abs.wav', 'Cannot use object key: it must be relative (no leading "/"): got "/abs.wav"'],
    ['../up.wav', 'Cannot use object key: it has a ".." path segment: got "../up.wav"'],
    ['a/../b.wav', 'Cannot use object key: it has a ".." path segment: got "a/../b.wav"'],
    ['a/./b.wav', 'Cannot use object key: it has a "." path segment: got "a/./b.wav"'],
    ['a//b.wav', 'Cannot use object key: it has an empty path segment: got "a//b.wav"'],
    ['dir/', 'Cannot use object key: it has an empty path segment: got "dir/"'],
    ['a\\b.wav', 'Cannot use object key: it contains a backslash: got "a\\\\b.wav"'],
    ['a\nb.wav', 'Cannot use object key: it contains a control character: got "a\\nb.wav"'],
    ['x'.repeat(1025), `Cannot use object key: it is longer than 1024 bytes: got "${'x'.repeat(1025)}"`],
  ])('rejects %j', (key, message) => {
    expect(() => validateKey(key)).toThrow(new RangeError(message));
  });
});

describe('validatePrefix', () => {
  it.each(['', 'reports/', 'reports/2026', 'b'])('accepts %j', (prefix) => {
    expect(validatePrefix(prefix)).toBe(prefix);
  });

  it('rejects a prefix with a ".." segment', () => {
    expect(() => validatePrefix('../')).toThrow(
      new RangeError('Cannot use object key: it has a ".." path segment: got ".."'),
    );
  });
});
