import {
  resolveWavOptions,
  validateChannelCount,
  validateChannels,
  type WavEncodeOptions,
} from './wav-options.js';
import { maxFrames, wavHeader } from './wav-header.js';
import { writeSamples } from './write-samples.js';

/** Options of {@link encodeWavStream}. */
export interface WavStreamOptions extends WavEncodeOptions {
  /** Frames (samples per channel) the source delivers in total; written in the header first. Required. */
  readonly frames: number;
  /** Channels per chunk (1 or 2). Default 1. */
  readonly channels?: number;
  /** Largest chunk yielded, in bytes (rounded down to whole frames). Default 1 MiB. */
  readonly chunkBytes?: number;
}

const ACTION = 'Cannot encode WAV stream';
const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * Encodes audio of known length as a WAV byte stream, for uploads: yields the header first, then the
 * converted samples chunk by chunk (each a fresh Uint8Array of at most `chunkBytes`), never holding more
 * than one input chunk and one output chunk. Samples are converted as by `encodeWav` (gain, clamp to
 * ±limit, round). The total byte length is known up front: `wavByteLength` (for Content-Length).
 *
 * Options are validated when this is called; the source is read only as the result is iterated.
 *
 * @example
 * ```ts
 * import { encodeWavStream } from '@musicgen/wav';
 * async function* audio() {
 *   yield [new Float32Array(32000)];
 *   yield [new Float32Array(32000)];
 * }
 * const chunks: Uint8Array[] = [];
 * for await (const chunk of encodeWavStream(audio(), { frames: 64000 })) chunks.push(chunk);
 * ```
 *
 * @throws {RangeError} for invalid options; while iterating, when the source delivers more or fewer frames
 * than `frames` or a chunk with the wrong number of channels.
 */
export function encodeWavStream(
  source: AsyncIterable<readonly Float32Array[]> | Iterable<readonly Float32Array[]>,
  options: WavStreamOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const resolved = resolveWavOptions(ACTION, options);
  const { frames, channels = 1, chunkBytes = DEFAULT_CHUNK_BYTES } = options;
  validateChannelCount(ACTION, channels);
  const limit = maxFrames(resolved.format, channels);
  if (!Number.isSafeInteger(frames) || frames < 0 || frames > limit) {
    throw new RangeError(`${ACTION}: frames must be an integer from 0 to ${limit}: got ${frames}`);
  }
  const frameBytes = channels * resolved.bytesPerSample;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < frameBytes) {
    throw new RangeError(
      `${ACTION}: chunkBytes must be an integer >= ${frameBytes} (one frame): got ${chunkBytes}`,
    );
  }
  const framesPerChunk = Math.floor(chunkBytes / frameBytes);
  const header = wavHeader({ format: resolved.format, channels, sampleRate: resolved.sampleRate, frames });

  return (async function* () {
    yield header;
    let delivered = 0;
    for await (const chunk of source) {
      const chunkFrames = validateChannels(ACTION, chunk, channels);
      if (delivered + chunkFrames > frames) {
        throw new RangeError(
          `${ACTION}: the source delivered more than the declared ${frames} frames: got ${delivered + chunkFrames} so far`,
        );
      }
      for (let start = 0; start < chunkFrames; start += framesPerChunk) {
        const count = Math.min(framesPerChunk, chunkFrames - start);
        const out = new Uint8Array(count * frameBytes);
        writeSamples(chunk, start, count, resolved, out, 0);
        yield out;
      }
      delivered += chunkFrames;
    }
    if (delivered !== frames) {
      throw new RangeError(`${ACTION}: the source ended after ${delivered} of the declared ${frames} frames`);
    }
    if ((frames * frameBytes) % 2 === 1) yield new Uint8Array(1);
  })();
}
