import { SAMPLE_RATE_HZ, samplesForFrames, secondsForFrames } from '@musicgen/contract';
import type { PromptJob } from '@musicgen/prompts';
import { encodeAudioMetadata, type Rendering, type ServedMetadata } from '@musicgen/store';
import { encodeWav, planNormalization } from '@musicgen/wav';
import type { NormalizeStrategy, SampleFormat } from '../config/resolve-config.js';

/** How a job's audio becomes a file. */
export interface FinishOptions {
  readonly format: SampleFormat;
  readonly normalize: NormalizeStrategy;
  /** What the servers serve, recorded in the metadata when known. */
  readonly served?: ServedMetadata;
}

/** A finished job, ready to store under its key. */
export interface FinishedAudio {
  readonly wav: Uint8Array;
  readonly metadata: Record<string, string>;
}

/**
 * The rendering that WAVs stored before renderings were recorded in their metadata are taken to have:
 * the batch's defaults then and now (`--format wav16`, `--normalize peak`). A run with those defaults
 * skips them; a run asking for another format or normalisation generates them again.
 */
export const UNRECORDED_RENDERING: Rendering = Object.freeze({ format: 'pcm16', normalize: 'peak' });

/**
 * The metadata stored with a job's WAV: its prompt, its duration (its frames at the contract's frame
 * rate), the model id of its identity, its seed, its identity hash, what the servers served, and how
 * it was rendered (format and normalisation, compared by the done-check of the next run).
 *
 * @example
 * ```ts
 * jobMetadata(job, { weights: 'pretrained', revision: 'e52f6b5', dtypes: 'decoder=float16' }, { format: 'pcm16', normalize: 'peak' });
 * ```
 */
export function jobMetadata(
  job: PromptJob,
  served: ServedMetadata | undefined,
  rendering: Rendering,
): Record<string, string> {
  return encodeAudioMetadata({
    prompt: job.prompt,
    durationSeconds: secondsForFrames(job.frames),
    model: job.modelId,
    seed: job.seed,
    identityHash: job.identityHash,
    ...(served ? { served } : {}),
    rendering,
  });
}

/**
 * Turns a job's decoded audio into the WAV file and metadata to store: checks the length against the
 * job's frames, normalises, encodes at the contract's sample rate.
 *
 * @example
 * ```ts
 * const { wav, metadata } = finishAudio(job, audio, { format: 'pcm16', normalize: 'peak' });
 * await store.put(job.key, wav, { metadata, contentType: 'audio/wav' });
 * ```
 *
 * @throws {Error} when the audio is not exactly the job's frames × 640 samples.
 */
export function finishAudio(job: PromptJob, audio: Float32Array, options: FinishOptions): FinishedAudio {
  const expected = samplesForFrames(job.frames);
  if (audio.length !== expected) {
    throw new Error(`decoded ${audio.length} samples for ${job.frames} frames: expected ${expected}`);
  }
  const { gain, limit } = planNormalization([audio], { strategy: options.normalize });
  const wav = encodeWav([audio], { sampleRate: SAMPLE_RATE_HZ, format: options.format, gain, limit });
  const rendering = { format: options.format, normalize: options.normalize };
  return { wav, metadata: jobMetadata(job, options.served, rendering) };
}
