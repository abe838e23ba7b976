import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  resolveWavOptions,
  validateChannelCount,
  validateChannels,
  type WavEncodeOptions,
} from './wav-options.js';
import { dataBytes, headerBytes, maxFrames, wavHeader } from './wav-header.js';
import { writeSamples } from './write-samples.js';

/** Options of {@link createWavWriter}. */
export interface WavWriterOptions extends WavEncodeOptions {
  /** Channels per chunk (1 or 2). Default 1. */
  readonly channels?: number;
  /** Size of the conversion buffer in bytes (rounded down to whole frames); the writer's only buffer. Default 1 MiB. */
  readonly bufferBytes?: number;
}

/** What {@link WavWriter.close} reports. */
export interface WavWriterResult {
  /** The final path, or null when writing to a caller's FileHandle. */
  readonly path: string | null;
  readonly frames: number;
  /** File size in bytes. */
  readonly bytes: number;
}

/** A WAV file being written; see {@link createWavWriter}. */
export interface WavWriter {
  /** Frames written so far. */
  readonly frames: number;
  /**
   * Converts and writes a chunk (one Float32Array per channel, equal lengths) before resolving. Await each
   * call before the next; the chunk may be reused once the promise resolves.
   */
  write(channels: readonly Float32Array[]): Promise<void>;
  /** Patches the header sizes, flushes, and (for a path) renames the temporary file to the final name. */
  close(): Promise<WavWriterResult>;
  /** Stops writing; for a path, deletes the temporary file. Safe to call after a failure or twice. */
  abort(): Promise<void>;
}

const ACTION = 'Cannot write WAV';
const DEFAULT_BUFFER_BYTES = 1 << 20;

/**
 * Opens a streaming WAV writer: chunks of float samples are converted (as by `encodeWav`: gain, clamp to
 * ±limit, round) into one bounded buffer and written at once, so memory does not depend on the length.
 * On close the RIFF, data (and for float32 the fact) sizes are patched in the header.
 *
 * Given a path, the writer writes `.<name>.<random>.tmp` in the same directory and renames it to `path` on
 * close (after fsync), so a crash never leaves a partial file under the final name; an existing file at
 * `path` is replaced. Given an open FileHandle, it writes from position 0 and leaves closing (and atomicity)
 * to the caller. On any error, call `abort()`.
 *
 * @example
 * ```ts
 * import { createWavWriter } from '@musicgen/wav';
 * const writer = await createWavWriter('song.wav', { format: 'pcm16', gain: 0.8 });
 * try {
 *   for (let second = 0; second < 60; second++) await writer.write([new Float32Array(32000)]);
 *   await writer.close(); // { path: 'song.wav', frames: 1920000, bytes: 3840044 }
 * } catch (error) {
 *   await writer.abort();
 *   throw error;
 * }
 * ```
 *
 * @throws {RangeError} for invalid options (before any file is created).
 */
export async function createWavWriter(
  target: string | FileHandle,
  options: WavWriterOptions = {},
): Promise<WavWriter> {
  const resolved = resolveWavOptions(ACTION, options);
  const { channels = 1, bufferBytes = DEFAULT_BUFFER_BYTES } = options;
  validateChannelCount(ACTION, channels);
  const frameBytes = channels * resolved.bytesPerSample;
  if (!Number.isSafeInteger(bufferBytes) || bufferBytes < frameBytes) {
    throw new RangeError(
      `${ACTION}: bufferBytes must be an integer >= ${frameBytes} (one frame): got ${bufferBytes}`,
    );
  }
  if (typeof target !== 'string' && (typeof target !== 'object' || target === null || !('fd' in target))) {
    throw new TypeError(`${ACTION}: target must be a path or a FileHandle`);
  }
  const fields = { format: resolved.format, channels, sampleRate: resolved.sampleRate };
  const framesPerBuffer = Math.floor(bufferBytes / frameBytes);
  const buffer = new Uint8Array(framesPerBuffer * frameBytes);
  const limit = maxFrames(resolved.format, channels);

  const tempPath =
    typeof target === 'string'
      ? join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
      : null;
  const handle = typeof target === 'string' ? await open(tempPath as string, 'wx') : target;
  let frames = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';

  const requireOpen = (action: string): void => {
    if (state !== 'open') throw new Error(`${action}: the writer is ${state}`);
  };

  try {
    await handle.write(wavHeader({ ...fields, frames: 0 }), 0, headerBytes(resolved.format), 0);
  } catch (error) {
    if (tempPath)
      await handle
        .close()
        .then(() => unlink(tempPath))
        .catch(() => undefined);
    throw error;
  }

  return {
    get frames() {
      return frames;
    },
    async write(chunk) {
      requireOpen(ACTION);
      const chunkFrames = validateChannels(ACTION, chunk, channels);
      if (frames + chunkFrames > limit) {
        throw new RangeError(
          `${ACTION}: the file would exceed the 4 GiB RIFF limit of ${limit} frames: got ${frames + chunkFrames}`,
        );
      }
      for (let start = 0; start < chunkFrames; start += framesPerBuffer) {
        const count = Math.min(framesPerBuffer, chunkFrames - start);
        const bytes = writeSamples(chunk, start, count, resolved, buffer, 0);
        const position = headerBytes(resolved.format) + frames * frameBytes;
        await handle.write(buffer, 0, bytes, position);
        frames += count;
      }
    },
    async close() {
      requireOpen('Cannot close WAV writer');
      state = 'closed';
      const data = dataBytes({ ...fields, frames });
      let end = headerBytes(resolved.format) + data;
      if (data % 2 === 1) {
        await handle.write(new Uint8Array(1), 0, 1, end);
        end += 1;
      }
      await handle.write(wavHeader({ ...fields, frames }), 0, headerBytes(resolved.format), 0);
      await handle.truncate(end);
      if (tempPath === null || typeof target !== 'string') return { path: null, frames, bytes: end };
      try {
        await handle.sync();
        await handle.close();
        await rename(tempPath, target);
      } catch (error) {
        await unlink(tempPath).catch(() => undefined);
        throw error;
      }
      return { path: target, frames, bytes: end };
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      if (tempPath === null) return;
      await handle.close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
    },
  };
}
