import { SAMPLE_RATE_HZ } from '@musicgen/contract';

/** Sample encoding of a WAV file: 16- or 24-bit signed integer PCM, or 32-bit IEEE float. */
export type WavFormat = 'pcm16' | 'pcm24' | 'float32';

/** Options shared by every encoder and writer in this package. */
export interface WavEncodeOptions {
  /** Sample rate in Hz. Default 32000 (MusicGen's EnCodec). */
  readonly sampleRate?: number;
  /** Sample encoding. Default `'pcm16'`. */
  readonly format?: WavFormat;
  /**
   * Linear gain applied to every sample before it is limited and converted. Default 1. Take it from
   * {@link planNormalization} to normalise audio that is streamed (the gain must be known before writing).
   */
  readonly gain?: number;
  /**
   * Samples are clamped to `[-limit, limit]` after the gain, in every format (float32 included), so
   * out-of-range input is hard-clipped. Default 1; must be in (0, 1].
   */
  readonly limit?: number;
}

/** Validated encoder options with defaults applied. */
export interface ResolvedWavOptions {
  readonly sampleRate: number;
  readonly format: WavFormat;
  readonly gain: number;
  readonly limit: number;
  readonly bytesPerSample: number;
}

const BYTES_PER_SAMPLE: Record<WavFormat, number> = { pcm16: 2, pcm24: 3, float32: 4 };
const MAX_SAMPLE_RATE = 1_000_000;

export function resolveWavOptions(action: string, options: WavEncodeOptions): ResolvedWavOptions {
  const { sampleRate = SAMPLE_RATE_HZ, format = 'pcm16', gain = 1, limit = 1 } = options;
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > MAX_SAMPLE_RATE) {
    throw new RangeError(
      `${action}: sampleRate must be an integer from 1 to ${MAX_SAMPLE_RATE}: got ${sampleRate}`,
    );
  }
  if (!Object.hasOwn(BYTES_PER_SAMPLE, format)) {
    throw new RangeError(
      `${action}: format must be 'pcm16', 'pcm24' or 'float32': got ${JSON.stringify(format)}`,
    );
  }
  if (!Number.isFinite(gain) || gain < 0) {
    throw new RangeError(`${action}: gain must be a finite number >= 0: got ${gain}`);
  }
  if (!(limit > 0 && limit <= 1)) {
    throw new RangeError(`${action}: limit must be in (0, 1]: got ${limit}`);
  }
  return { sampleRate, format, gain, limit, bytesPerSample: BYTES_PER_SAMPLE[format] };
}

export function validateChannelCount(action: string, channelCount: number): void {
  if (!Number.isInteger(channelCount) || channelCount < 1 || channelCount > 2) {
    throw new RangeError(`${action}: channels must be 1 (mono) or 2 (stereo): got ${channelCount}`);
  }
}

/** Checks a block of per-channel samples and returns its frame count. */
export function validateChannels(
  action: string,
  channels: readonly Float32Array[],
  expectedCount?: number,
): number {
  if (!Array.isArray(channels) || !channels.every((c) => c instanceof Float32Array)) {
    throw new TypeError(`${action}: channels must be an array of Float32Array, one per channel`);
  }
  if (expectedCount !== undefined && channels.length !== expectedCount) {
    throw new RangeError(`${action}: expected ${expectedCount} channel(s): got ${channels.length}`);
  }
  validateChannelCount(action, channels.length);
  const frames = (channels[0] as Float32Array).length;
  const lengths = channels.map((c) => c.length);
  if (lengths.some((n) => n !== frames)) {
    throw new RangeError(`${action}: all channels must have the same length: got ${lengths.join(', ')}`);
  }
  return frames;
}
