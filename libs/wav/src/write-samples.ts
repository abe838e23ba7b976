import type { ResolvedWavOptions } from './wav-options.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const PCM16_SCALE = 32767;
const PCM24_SCALE = 8388607;

/**
 * Converts frames `[start, start + count)` of `channels` into interleaved little-endian samples written to
 * `out` at byte `offset`; returns the bytes written. Rule: `x = sample * gain`, clamped to `[-limit, limit]`,
 * then pcm16 `Math.round(x * 32767)`, pcm24 `Math.round(x * 8388607)` (ties toward +infinity), float32 `x`.
 * NaN becomes 0 in every format.
 */
export function writeSamples(
  channels: readonly Float32Array[],
  start: number,
  count: number,
  options: ResolvedWavOptions,
  out: Uint8Array,
  offset: number,
): number {
  const { format, gain, limit } = options;
  const stride = channels.length;
  const bytes = count * stride * options.bytesPerSample;
  const byteOffset = out.byteOffset + offset;
  if (format === 'pcm16' && LITTLE_ENDIAN && byteOffset % 2 === 0) {
    const dst = new Int16Array(out.buffer, byteOffset, count * stride);
    for (let c = 0; c < stride; c++) {
      const src = channels[c] as Float32Array;
      for (let i = 0, j = c; i < count; i++, j += stride) {
        let x = (src[start + i] as number) * gain;
        x = x > limit ? limit : x < -limit ? -limit : x;
        dst[j] = Math.round(x * PCM16_SCALE);
      }
    }
    return bytes;
  }
  if (format === 'float32' && LITTLE_ENDIAN && byteOffset % 4 === 0) {
    const dst = new Float32Array(out.buffer, byteOffset, count * stride);
    for (let c = 0; c < stride; c++) {
      const src = channels[c] as Float32Array;
      for (let i = 0, j = c; i < count; i++, j += stride) {
        let x = (src[start + i] as number) * gain;
        x = x > limit ? limit : x < -limit ? -limit : x === x ? x : 0;
        dst[j] = x;
      }
    }
    return bytes;
  }
  const view = new DataView(out.buffer, byteOffset, bytes);
  const size = options.bytesPerSample;
  for (let c = 0; c < stride; c++) {
    const src = channels[c] as Float32Array;
    for (let i = 0, p = c * size; i < count; i++, p += stride * size) {
      let x = (src[start + i] as number) * gain;
      x = x > limit ? limit : x < -limit ? -limit : x === x ? x : 0;
      if (format === 'pcm16') {
        view.setInt16(p, Math.round(x * PCM16_SCALE), true);
      } else if (format === 'pcm24') {
        const v = Math.round(x * PCM24_SCALE);
        view.setUint8(p, v & 0xff);
        view.setUint8(p + 1, (v >> 8) & 0xff);
        view.setUint8(p + 2, (v >> 16) & 0xff);
      } else {
        view.setFloat32(p, x, true);
      }
    }
  }
  return bytes;
}
