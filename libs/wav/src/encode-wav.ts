import { resolveWavOptions, validateChannels, type WavEncodeOptions } from './wav-options.js';
import { fileBytes, headerBytes, wavHeader } from './wav-header.js';
import { writeSamples } from './write-samples.js';

const ACTION = 'Cannot encode WAV';
const BLOCK_FRAMES = 16384;

/**
 * Encodes float PCM (one Float32Array per channel: mono or stereo) as a complete WAV file in memory.
 *
 * Each sample is multiplied by `gain`, clamped to `[-limit, limit]` (so values outside ±1 are hard-clipped
 * in every format) and converted: pcm16 `Math.round(x * 32767)`, pcm24 `Math.round(x * 8388607)`
 * (symmetric, so +1 and -1 map to ±32767 / ±8388607; ties round toward +infinity), float32 stores `x`;
 * NaN becomes 0. 16/24-bit files use WAVE_FORMAT_PCM with a 16-byte `fmt ` chunk; float32 uses
 * WAVE_FORMAT_IEEE_FLOAT (3) with a `fact` chunk. Channels are interleaved, little-endian.
 *
 * @example
 * ```ts
 * import { encodeWav } from '@musicgen/wav';
 * const tone = Float32Array.from({ length: 32000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 32000));
 * const bytes = encodeWav([tone], { format: 'pcm16' }); // 44-byte header + 64000 bytes
 * ```
 *
 * @throws {RangeError} for an invalid option, channel count, unequal channel lengths or a file over 4 GiB.
 * @throws {TypeError} when `channels` is not an array of Float32Array.
 */
export function encodeWav(channels: readonly Float32Array[], options: WavEncodeOptions = {}): Uint8Array {
  const resolved = resolveWavOptions(ACTION, options);
  const frames = validateChannels(ACTION, channels);
  const fields = {
    format: resolved.format,
    channels: channels.length,
    sampleRate: resolved.sampleRate,
    frames,
  };
  const header = wavHeader(fields);
  const out = new Uint8Array(fileBytes(fields));
  out.set(header, 0);
  // Blocks keep each call short, so V8 optimises the conversion loop as a whole function early.
  for (let start = 0, offset = headerBytes(resolved.format); start < frames; start += BLOCK_FRAMES) {
    const count = Math.min(BLOCK_FRAMES, frames - start);
    offset += writeSamples(channels, start, count, resolved, out, offset);
  }
  return out;
}
