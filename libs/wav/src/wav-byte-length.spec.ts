import { describe, expect, it } from 'vitest';
import { encodeWav } from './encode-wav.js';
import { wavByteLength, type WavByteLengthOptions } from './wav-byte-length.js';

describe('wavByteLength', () => {
  it.each([
    [{ frames: 1920000 }, 3840044],
    [{ frames: 0 }, 44],
    [{ frames: 1, format: 'pcm24' }, 48],
    [{ frames: 1, format: 'pcm24', channels: 2 }, 50],
    [{ frames: 3, format: 'float32', channels: 2 }, 82],
  ] as [WavByteLengthOptions, number][])('%j is %i bytes, as encodeWav writes', (options, expected) => {
    expect(wavByteLength(options)).toBe(expected);
    const channels = Array.from({ length: options.channels ?? 1 }, () => new Float32Array(options.frames));
    expect(encodeWav(channels, { format: 'format' in options ? options.format : 'pcm16' }).length).toBe(
      expected,
    );
  });

  it.each([
    [{ frames: -1 }, 'Cannot compute WAV size: frames must be an integer from 0 to 2147483629: got -1'],
    [
      { frames: 2 ** 31 },
      'Cannot compute WAV size: frames must be an integer from 0 to 2147483629: got 2147483648',
    ],
    [{ frames: 1, channels: 3 }, 'Cannot compute WAV size: channels must be 1 (mono) or 2 (stereo): got 3'],
    [
      { frames: 1, format: 'mp3' },
      `Cannot compute WAV size: format must be 'pcm16', 'pcm24' or 'float32': got "mp3"`,
    ],
  ])('rejects %j', (options, message) => {
    expect(() => wavByteLength(options as never)).toThrow(new RangeError(message));
  });
});
