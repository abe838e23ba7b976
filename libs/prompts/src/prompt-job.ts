import type { JobIdentity } from './job-identity.js';

/**
 * One valid line of a prompts file, ready to generate. It is also a {@link JobIdentity} (a derived
 * seed is marked by `seedDerived` and not counted), so `jobKey(job.base, job)` gives back `job.key`.
 *
 * Lines with the same identity and base get the same key; they stay separate jobs and the caller
 * decides what to do with duplicates (generate once, warn, ...).
 */
export interface PromptJob extends JobIdentity {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The prompt, trimmed and NFC-normalised. */
  readonly prompt: string;
  /** The duration as written, in seconds (`1:30` gives 90). */
  readonly durationSeconds: number;
  /** Frames to generate: `durationSeconds` at 50 frames/s, rounded to the nearest frame. */
  readonly frames: number;
  /** File name without `.wav`, NFC-normalised. */
  readonly base: string;
  /** Object key `{base}_{hash8}.wav`. */
  readonly key: string;
  /** `identityHash(job)`: SHA-256 (64 hex digits) of the canonical identity. */
  readonly identityHash: string;
  /** The seed to generate with: the line's own, or `deriveSeed(job)`. */
  readonly seed: number;
  /** True when the line gave no seed and `seed` was derived (it is then not part of the identity). */
  readonly seedDerived: boolean;
}
