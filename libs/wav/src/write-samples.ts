import type { ResolvedWavOptions } from './wav-options.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const PCM16_FULL_SCALE = 32767;
const PCM24_FULL_SCALE = 8388607;
// Rounding by truncation of a positive number: ((y + OFFSET + 0.5) | 0) - OFFSET === Math.round(y) for
// |y| <= OFFSET. It is about twice as fast as Math.round in V8 and gives the same result for every float32
// sample at gain 1 (bench/rounding.check.ts checks every float32 where double rounding could matter).
const PCM16_OFFSET = 32768;
const PCM24_OFFSET = 8388608;

/**
 * Converts frames `[start, start + count)` of `channels` into interleaved little-endian samples written to
 * `out` at byte `offset`; returns the bytes written. Rule, with `F` = 32767 (pcm16) or 8388607 (pcm24):
 * `y = sample * (gain * F)`, clamped to `[-limit * F, limit * F]`, rounded half up (Math.round); float32
 * writes `sample * gain` clamped to `[-limit, limit]`. NaN becomes 0 in every format.
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
  for (let c = 0; c < stride; c++) {
    const src = channels[c] as Float32Array;
    if (format === 'pcm16') {
      if (LITTLE_ENDIAN && byteOffset % 2 === 0 && stride === 1) {
        pcm16Mono(
          src.subarray(start, start + count),
          new Int16Array(out.buffer, byteOffset, count),
          gain * PCM16_FULL_SCALE,
          limit * PCM16_FULL_SCALE,
        );
      } else if (LITTLE_ENDIAN && byteOffset % 2 === 0) {
        pcm16(
          src,
          start,
          count,
          gain * PCM16_FULL_SCALE,
          limit * PCM16_FULL_SCALE,
          new Int16Array(out.buffer, byteOffset, count * stride),
          c,
          stride,
        );
      } else {
        pcm16Bytes(
          src,
          start,
          count,
          gain * PCM16_FULL_SCALE,
          limit * PCM16_FULL_SCALE,
          out,
          offset + 2 * c,
          2 * stride,
        );
      }
    } else if (format === 'pcm24') {
      pcm24(
        src,
        start,
        count,
        gain * PCM24_FULL_SCALE,
        limit * PCM24_FULL_SCALE,
        out,
        offset + 3 * c,
        3 * stride,
      );
    } else if (LITTLE_ENDIAN && byteOffset % 4 === 0) {
      float32(
        src,
        start,
        count,
        gain,
        limit,
        new Float32Array(out.buffer, byteOffset, count * stride),
        c,
        stride,
      );
    } else {
      float32Bytes(src, start, count, gain, limit, new DataView(out.buffer, byteOffset + 4 * c), 4 * stride);
    }
  }
  return bytes;
}

/** The hot path (mono 16-bit): contiguous indices and the conversion inside the in-range branch let V8 drop checks. */
function pcm16Mono(src: Float32Array, dst: Int16Array, scale: number, hi: number): void {
  const lo = -hi;
  const hiValue = ((hi + (PCM16_OFFSET + 0.5)) | 0) - PCM16_OFFSET;
  const loValue = ((lo + (PCM16_OFFSET + 0.5)) | 0) - PCM16_OFFSET;
  // Literals rather than module constants in the loop: TurboFan then knows the operand ranges.
  for (let i = 0; i < src.length; i++) {
    const y = (src[i] as number) * scale;
    dst[i] = y > hi ? hiValue : y >= lo ? ((y + 32768.5) | 0) - 32768 : y < lo ? loValue : 0;
  }
}

function pcm16(
  src: Float32Array,
  start: number,
  count: number,
  scale: number,
  hi: number,
  dst: Int16Array,
  first: number,
  stride: number,
): void {
  const lo = -hi;
  for (let i = 0, j = first; i < count; i++, j += stride) {
    let y = (src[start + i] as number) * scale;
    y = y > hi ? hi : y >= lo ? y : y < lo ? lo : 0;
    dst[j] = ((y + (PCM16_OFFSET + 0.5)) | 0) - PCM16_OFFSET;
  }
}

function pcm16Bytes(
  src: Float32Array,
  start: number,
  count: number,
  scale: number,
  hi: number,
  dst: Uint8Array,
  first: number,
  stride: number,
): void {
  const lo = -hi;
  for (let i = 0, p = first; i < count; i++, p += stride) {
    let y = (src[start + i] as number) * scale;
    y = y > hi ? hi : y >= lo ? y : y < lo ? lo : 0;
    const v = ((y + (PCM16_OFFSET + 0.5)) | 0) - PCM16_OFFSET;
    dst[p] = v;
    dst[p + 1] = v >> 8;
  }
}

function pcm24(
  src: Float32Array,
  start: number,
  count: number,
  scale: number,
  hi: number,
  dst: Uint8Array,
  first: number,
  stride: number,
): void {
  const lo = -hi;
  for (let i = 0, p = first; i < count; i++, p += stride) {
    let y = (src[start + i] as number) * scale;
    y = y > hi ? hi : y >= lo ? y : y < lo ? lo : 0;
    const v = ((y + (PCM24_OFFSET + 0.5)) | 0) - PCM24_OFFSET;
    dst[p] = v;
    dst[p + 1] = v >> 8;
    dst[p + 2] = v >> 16;
  }
}

function float32(
  src: Float32Array,
  start: number,
  count: number,
  gain: number,
  hi: number,
  dst: Float32Array,
  first: number,
  stride: number,
): void {
  const lo = -hi;
  for (let i = 0, j = first; i < count; i++, j += stride) {
    const x = (src[start + i] as number) * gain;
    dst[j] = x > hi ? hi : x >= lo ? x : x < lo ? lo : 0;
  }
}

function float32Bytes(
  src: Float32Array,
  start: number,
  count: number,
  gain: number,
  hi: number,
  dst: DataView,
  stride: number,
): void {
  const lo = -hi;
  for (let i = 0, p = 0; i < count; i++, p += stride) {
    const x = (src[start + i] as number) * gain;
    dst.setFloat32(p, x > hi ? hi : x >= lo ? x : x < lo ? lo : 0, true);
  }
}
