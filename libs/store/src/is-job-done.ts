import { AUDIO_METADATA_NAMES } from './audio-metadata.js';
import type { ObjectStore } from './object-store.js';

/**
 * The answer of {@link isJobDone}: done, or why not — `missing` (no object), `conflict` (an object with
 * another identity; `storedIdentityHash` says which), `no-identity` (an object without audio metadata).
 */
export type JobDoneResult =
  | { done: true }
  | { done: false; reason: 'missing' }
  | { done: false; reason: 'conflict'; storedIdentityHash: string }
  | { done: false; reason: 'no-identity' };

/**
 * Whether the job whose output is `key` is done: its object exists AND carries the expected identity hash
 * (written by `encodeAudioMetadata`). A same-named object made from other inputs is not done.
 *
 * @example
 * ```ts
 * const state = await isJobDone(store, 'calm_1a2b3c4d.wav', job.identityHash);
 * if (!state.done && state.reason === 'conflict') console.warn(`replacing ${state.storedIdentityHash}`);
 * ```
 */
export async function isJobDone(
  store: ObjectStore,
  key: string,
  expectedIdentityHash: string,
): Promise<JobDoneResult> {
  if (expectedIdentityHash === '') {
    throw new RangeError('Cannot check whether a job is done: the expected identity hash is empty: got ""');
  }
  const info = await store.head(key);
  if (!info) return { done: false, reason: 'missing' };
  const stored = info.metadata[AUDIO_METADATA_NAMES.identityHash];
  if (stored === undefined) return { done: false, reason: 'no-identity' };
  if (stored !== expectedIdentityHash) return { done: false, reason: 'conflict', storedIdentityHash: stored };
  return { done: true };
}
