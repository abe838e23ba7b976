/**
 * What MusicGen's codes are: EnCodec 32 kHz tokens, {@link CODEBOOKS} codebooks of
 * {@link CODEBOOK_SIZE} entries, {@link FRAME_RATE_HZ} frames per second, {@link SAMPLES_PER_FRAME}
 * mono samples per frame. These numbers are fixed by the released checkpoints; the server and every
 * client library read them from here.
 *
 * @module
 */

/** Codebooks per frame. */
export const CODEBOOKS = 4;
/** Entries of one codebook. */
export const CODEBOOK_SIZE = 2048;
/** Smallest valid code value. */
export const CODE_MIN = 0;
/** Largest valid code value. */
export const CODE_MAX = CODEBOOK_SIZE - 1;
/** Audio sample rate in Hz (mono). */
export const SAMPLE_RATE_HZ = 32_000;
/** Audio samples per code frame (the codec's hop). */
export const SAMPLES_PER_FRAME = 640;
/** Code frames per second of audio: {@link SAMPLE_RATE_HZ} / {@link SAMPLES_PER_FRAME}. */
export const FRAME_RATE_HZ = SAMPLE_RATE_HZ / SAMPLES_PER_FRAME;
/** Longest window the language model generates in one request, prompt frames included (30 s). */
export const MAX_WINDOW_FRAMES = 1500;
/**
 * Extra decoder steps per window caused by the codebook delay pattern (codebook k is delayed by k
 * steps): a window of N new frames costs `N + DELAY_STEPS` forward steps.
 */
export const DELAY_STEPS = CODEBOOKS - 1;

/**
 * Audio samples made from a number of frames.
 *
 * @example
 * ```ts
 * samplesForFrames(1500); // 960000 (30 s at 32 kHz)
 * ```
 */
export function samplesForFrames(frames: number): number {
  return frames * SAMPLES_PER_FRAME;
}

/**
 * Seconds of audio in a number of frames.
 *
 * @example
 * ```ts
 * secondsForFrames(2250); // 45
 * ```
 */
export function secondsForFrames(frames: number): number {
  return frames / FRAME_RATE_HZ;
}
