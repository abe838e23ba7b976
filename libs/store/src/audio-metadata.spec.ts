import { describe, expect, it } from 'vitest';
import { decodeAudioMetadata, encodeAudioMetadata, type AudioMetadata } from './audio-metadata.js';
import { validateMetadata } from './object-metadata.js';

const HASH = '0123456789abcdef'.repeat(4);
const base: AudioMetadata = {
  prompt: 'calm piano',
  durationSeconds: 8,
  model: 'facebook/musicgen-medium',
  seed: 42n,
  identityHash: HASH,
};

describe('encodeAudioMetadata / decodeAudioMetadata', () => {
  it('encodes as ASCII name/value pairs with the prompt in base64url', () => {
    expect(encodeAudioMetadata(base)).toEqual({
      'musicgen-identity': HASH,
      'musicgen-model': 'facebook/musicgen-medium',
      'musicgen-seed': '42',
      'musicgen-duration': '8',
      'musicgen-prompt': 'Y2FsbSBwaWFubw',
    });
  });

  it.each([
    'calm piano',
    'emoji 🎹🌧️ and a ZWJ family 👩‍👩‍👧',
    'two\nlines\r\nand\ttabs',
    'quotes "; = , and \\ backslash',
    'ünïcödé 日本語 العربية',
    '',
  ])('round-trips the prompt %j exactly', (prompt) => {
    const metadata = encodeAudioMetadata({ ...base, prompt, seed: -9_223_372_036_854_775_808n });
    expect(validateMetadata(metadata)).toBe(metadata);
    expect(decodeAudioMetadata(metadata)).toEqual({
      ...base,
      prompt,
      seed: -9_223_372_036_854_775_808n,
      promptTruncated: false,
    });
  });

  it('carries what the server served, when given', () => {
    const served = { weights: 'pretrained', revision: 'e52f6b5', dtypes: 'decoder=float16,encodec=float32' };
    const metadata = encodeAudioMetadata({ ...base, served });
    expect(metadata).toEqual({
      'musicgen-identity': HASH,
      'musicgen-model': 'facebook/musicgen-medium',
      'musicgen-seed': '42',
      'musicgen-duration': '8',
      'musicgen-weights': 'pretrained',
      'musicgen-revision': 'e52f6b5',
      'musicgen-dtypes': 'decoder=float16,encodec=float32',
      'musicgen-prompt': 'Y2FsbSBwaWFubw',
    });
    expect(decodeAudioMetadata(metadata)).toEqual({ ...base, served, promptTruncated: false });
    const local = { weights: 'random', revision: null, dtypes: 'decoder=float32' };
    expect(decodeAudioMetadata(encodeAudioMetadata({ ...base, served: local }))).toEqual({
      ...base,
      served: local,
      promptTruncated: false,
    });
  });

  it('records the rendering (format and normalisation), when given', () => {
    const rendering = { format: 'pcm24', normalize: 'loudness' };
    const metadata = encodeAudioMetadata({ ...base, rendering });
    expect(metadata).toEqual({
      'musicgen-identity': HASH,
      'musicgen-model': 'facebook/musicgen-medium',
      'musicgen-seed': '42',
      'musicgen-duration': '8',
      'musicgen-format': 'pcm24',
      'musicgen-normalize': 'loudness',
      'musicgen-prompt': 'Y2FsbSBwaWFubw',
    });
    expect(decodeAudioMetadata(metadata)).toEqual({ ...base, rendering, promptTruncated: false });
    expect(() =>
      encodeAudioMetadata({ ...base, rendering: { format: 'PCM 16', normalize: 'peak' } }),
    ).toThrow(
      new RangeError(
        'Cannot encode audio metadata: \'rendering.format\' must be 1 to 32 lowercase letters, digits or dashes: current value is "PCM 16"',
      ),
    );
  });

  it('refuses served facts with spaces', () => {
    expect(() =>
      encodeAudioMetadata({ ...base, served: { weights: 'pre trained', revision: null, dtypes: 'x' } }),
    ).toThrow(
      new RangeError(
        'Cannot encode audio metadata: \'served.weights\' must be 1 to 128 printable ASCII characters without spaces: current value is "pre trained"',
      ),
    );
  });

  it('accepts a number seed and decodes it as a bigint', () => {
    expect(decodeAudioMetadata(encodeAudioMetadata({ ...base, seed: 7, durationSeconds: 12.5 }))).toEqual({
      ...base,
      seed: 7n,
      durationSeconds: 12.5,
      promptTruncated: false,
    });
  });

  it('truncates a long prompt at a character boundary to stay within 2 KB, keeping the whole identity', () => {
    const prompt = '🎹'.repeat(1000);
    const metadata = encodeAudioMetadata({ ...base, prompt });
    // 152 bytes of fixed fields + 29 for the marker + 15 for the name leave 1852 base64url characters:
    // 1389 UTF-8 bytes, cut back to 1388 so that no emoji is split.
    const total = Object.entries(metadata).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
    expect(total).toBe(2047);
    expect(validateMetadata(metadata)).toBe(metadata);
    expect(decodeAudioMetadata(metadata)).toEqual({
      ...base,
      prompt: '🎹'.repeat(347),
      promptTruncated: true,
    });
    expect(metadata['musicgen-prompt-truncated']).toBe('4000');
  });

  it('leaves room for other metadata when told how much it takes', () => {
    const metadata = encodeAudioMetadata({ ...base, prompt: 'x'.repeat(3000) }, { extraBytes: 1000 });
    const total = Object.entries(metadata).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
    expect(total).toBeLessThanOrEqual(1048);
    expect(total).toBeGreaterThan(1040);
  });

  it.each([
    [
      'identityHash',
      { identityHash: 'XYZ' },
      `Cannot encode audio metadata: 'identityHash' must be 8 to 128 lowercase hex digits: current value is "XYZ"`,
    ],
    [
      'model',
      { model: 'my model' },
      `Cannot encode audio metadata: 'model' must be 1 to 256 printable ASCII characters without spaces: current value is "my model"`,
    ],
    [
      'durationSeconds',
      { durationSeconds: 0 },
      `Cannot encode audio metadata: 'durationSeconds' must be a positive finite number: current value is 0`,
    ],
    [
      'fractional seed',
      { seed: 1.5 },
      `Cannot encode audio metadata: 'seed' must be an integer (use a bigint beyond 2^53): current value is 1.5`,
    ],
    [
      'seed beyond int64',
      { seed: 2n ** 63n },
      `Cannot encode audio metadata: 'seed' must fit in a signed 64-bit integer: current value is 9223372036854775808`,
    ],
  ])('rejects a bad %s', (_name, override, message) => {
    expect(() => encodeAudioMetadata({ ...base, ...override })).toThrow(new RangeError(message));
  });

  it('decodes metadata without an identity as undefined', () => {
    expect(decodeAudioMetadata({ 'musicgen-model': 'x' })).toBeUndefined();
  });
});
