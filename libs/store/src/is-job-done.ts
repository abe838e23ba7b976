import { AUDIO_METADATA_NAMES, renderingFrom, type Rendering } from './audio-metadata.js';
import type { ObjectStore } from './object-store.js';

/**
 * The answer of {@link isJobDone}: done, or why not — `missing` (no object), `conflict` (an object with
 * another identity; `storedIdentityHash` says which), `no-identity` (an object without audio metadata).
 */
export type JobDoneResult =
  | { done: true }
  | { done: false; reason: 'missing' }
  | { done: false; reason: 'conflict'; storedIdentityHash: string }
  | { done: false; reason: 'no-identity' }
  | { done: false; reason: 'rendering'; storedRendering: Rendering };

/** Options of {@link isJobDone}. */
export interface IsJobDoneOptions {
  /**
   * The rendering asked for: an object of the right identity whose recorded rendering differs is not
   * done (reason `rendering`). Default: the rendering is not compared.
   */
  readonly rendering?: Rendering;
  /**
   * The rendering to assume for an object that records none (written before renderings were
   * recorded). Default: such an object is done whatever `rendering` asks.
   */
  readonly unrecordedRendering?: Rendering;
}

/**
 * Whether the job whose output is `key` is done: its object exists AND carries the expected identity hash
 * (written by `encodeAudioMetadata`) AND, when `options.rendering` is given, was rendered that way
 * (format and normalisation). A same-named object made from other inputs, or written in another
 * format, is not done.
 *
 * @example
 * ```ts
 * const state = await isJobDone(store, 'calm_1a2b3c4d.wav', job.identityHash, {
 *   rendering: { format: 'pcm24', normalize: 'peak' },
 *   unrecordedRendering: { format: 'pcm16', normalize: 'peak' },
 * });
 * if (!state.done && state.reason === 'conflict') console.warn(`replacing ${state.storedIdentityHash}`);
 * if (!state.done && state.reason === 'rendering') console.warn(`was ${state.storedRendering.format}`);
 * ```
 */
export async function isJobDone(
  store: ObjectStore,
  key: string,
  expectedIdentityHash: string,
  options: IsJobDoneOptions = {},
): Promise<JobDoneResult> {
  if (expectedIdentityHash === '') {
    throw new RangeError('Cannot check whether a job is done: the expected identity hash is empty: got ""');
  }
  const info = await store.head(key);
  if (!info) return { done: false, reason: 'missing' };
  const stored = info.metadata[AUDIO_METADATA_NAMES.identityHash];
  if (stored === undefined) return { done: false, reason: 'no-identity' };
  if (stored !== expectedIdentityHash) return { done: false, reason: 'conflict', storedIdentityHash: stored };
  const { rendering } = options;
  if (rendering === undefined) return { done: true };
  const storedRendering = renderingFrom(info.metadata).rendering ?? options.unrecordedRendering;
  if (
    storedRendering !== undefined &&
    (storedRendering.format !== rendering.format || storedRendering.normalize !== rendering.normalize)
  ) {
    return { done: false, reason: 'rendering', storedRendering };
  }
  return { done: true };
}
