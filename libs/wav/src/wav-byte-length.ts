import { fileBytes, maxFrames } from './wav-header.js';
import { validateChannelCount, type WavFormat } from './wav-options.js';

/** Options of {@link wavByteLength}. */
export interface WavByteLengthOptions {
  /** Frames (samples per channel). */
  readonly frames: number;
  /** 1 or 2. Default 1. */
  readonly channels?: number;
  /** Default `'pcm16'`. */
  readonly format?: WavFormat;
}

/**
 * Size in bytes of the WAV file this package writes for `frames` frames: header (44 bytes, 58 for float32)
 * + frames × channels × bytes per sample + 1 pad byte when the data size is odd.
 *
 * @example
 * ```ts
 * import { wavByteLength } from '@musicgen/wav';
 * wavByteLength({ frames: 32000 * 60 }); // 3840044
 * ```
 *
 * @throws {RangeError} for an invalid frame count, channel count or format.
 */
export function wavByteLength(options: WavByteLengthOptions): number {
  const { frames, channels = 1, format = 'pcm16' } = options;
  const action = 'Cannot compute WAV size';
  validateChannelCount(action, channels);
  if (format !== 'pcm16' && format !== 'pcm24' && format !== 'float32') {
    throw new RangeError(
      `${action}: format must be 'pcm16', 'pcm24' or 'float32': got ${JSON.stringify(format)}`,
    );
  }
  const limit = maxFrames(format, channels);
  if (!Number.isSafeInteger(frames) || frames < 0 || frames > limit) {
    throw new RangeError(`${action}: frames must be an integer from 0 to ${limit}: got ${frames}`);
  }
  return fileBytes({ format, channels, sampleRate: 1, frames });
}
