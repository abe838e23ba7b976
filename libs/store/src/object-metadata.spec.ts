import { describe, expect, it } from 'vitest';
import { validateMetadata } from './object-metadata.js';

describe('validateMetadata', () => {
  it('accepts lowercase names with printable ASCII values up to 2048 bytes in all', () => {
    const metadata = { 'musicgen-model': 'facebook/musicgen-medium', big: 'x'.repeat(2048 - 3 - 14 - 24) };
    expect(validateMetadata(metadata)).toBe(metadata);
  });

  it.each([
    [{ Model: 'x' }, 'Cannot store metadata: names must be lowercase letters, digits and "-": got "Model"'],
    [{ 'a b': 'x' }, 'Cannot store metadata: names must be lowercase letters, digits and "-": got "a b"'],
    [{ '-a': 'x' }, 'Cannot store metadata: names must be lowercase letters, digits and "-": got "-a"'],
    [
      { prompt: 'café' },
      'Cannot store metadata: values must be printable ASCII (encode them first): got "prompt"',
    ],
    [
      { prompt: 'a\nb' },
      'Cannot store metadata: values must be printable ASCII (encode them first): got "prompt"',
    ],
    [
      { big: 'x'.repeat(2046) },
      'Cannot store metadata: names and values must take at most 2048 bytes: got 2049',
    ],
  ])('rejects %j', (metadata, message) => {
    expect(() => validateMetadata(metadata)).toThrow(new RangeError(message));
  });
});
