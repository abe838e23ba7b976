import { describe, expect, it } from 'vitest';
import { resolveWavOptions, type WavFormat } from './wav-options.js';
import { writeSamples } from './write-samples.js';

const left = Float32Array.from([0, 0.5, -0.5, 1.5, -1.5, Number.NaN, 0.123, -0.987]);
const right = Float32Array.from([1, -1, 0.25, -0.25, 0.75, -0.75, 0, Number.NaN]);

/** Bytes written at an offset whose address is `misalignment` bytes past an 8-byte boundary. */
function bytesAt(
  misalignment: number,
  channels: Float32Array[],
  format: WavFormat,
  start: number,
  count: number,
): Uint8Array {
  const options = resolveWavOptions('test', { format, gain: 0.9, limit: 0.95 });
  const out = new Uint8Array(new ArrayBuffer(64 + misalignment + 32), 8);
  const written = writeSamples(channels, start, count, options, out, misalignment);
  return out.slice(misalignment, misalignment + written);
}

describe('writeSamples', () => {
  it.each(['pcm16', 'pcm24', 'float32'] as const)(
    'writes the same %s bytes through the aligned and the byte-wise paths',
    (format) => {
      for (const channels of [[left], [left, right]]) {
        const aligned = bytesAt(0, channels, format, 2, 5);
        for (const misalignment of [1, 2, 3]) {
          expect(bytesAt(misalignment, channels, format, 2, 5)).toEqual(aligned);
        }
        expect(aligned.length).toBe(5 * channels.length * { pcm16: 2, pcm24: 3, float32: 4 }[format]);
      }
    },
  );

  it('writes the documented 16-bit values, NaN as 0', () => {
    const bytes = bytesAt(1, [left], 'pcm16', 0, 8);
    const values = Array.from({ length: 8 }, (_, i) => new DataView(bytes.buffer).getInt16(2 * i, true));
    const expected = Array.from(left, (x) => {
      const y = Math.max(-0.95 * 32767, Math.min(0.95 * 32767, x * (0.9 * 32767)));
      return Number.isNaN(x) ? 0 : Math.round(y) + 0;
    });
    expect(values).toEqual(expected);
  });
});
