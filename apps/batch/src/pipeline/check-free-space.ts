import { samplesForFrames } from '@musicgen/contract';
import type { PromptJob } from '@musicgen/prompts';
import { isJobDone, type ObjectStore } from '@musicgen/store';
import type { NormalizationStrategy, WavFormat } from '@musicgen/wav';
import { UNRECORDED_RENDERING } from './finish-job.js';

/** Bytes per mono sample of each WAV format. */
const BYTES_PER_SAMPLE: Readonly<Record<WavFormat, number>> = { pcm16: 2, pcm24: 3, float32: 4 };
/** Room for a WAV's header and metadata sidecar, per job. */
const PER_JOB_OVERHEAD_BYTES = 4096;
/** Room for the run report and temporary files. */
const RUN_OVERHEAD_BYTES = 1024 * 1024;

/** The bytes a job's WAV (and its sidecar) take in a store. */
export function expectedJobBytes(job: Pick<PromptJob, 'frames'>, format: WavFormat): number {
  return samplesForFrames(job.frames) * BYTES_PER_SAMPLE[format] + PER_JOB_OVERHEAD_BYTES;
}

/** `8.0 KB`, `3.9 MB`, `1.2 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} KB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

/**
 * Checks, before any work, that a store with a size limit (a local disk) has room for every WAV this run
 * will write: the jobs not yet stored as asked (same identity, format and normalisation; all of them
 * with `force`, whose new file sits beside the old one until it replaces it). Returns the problem as one line, or undefined when there is room or the store
 * has no limit (S3).
 *
 * @example
 * ```ts
 * const problem = await checkFreeSpace({ store, jobs, force: false, format: 'pcm16', normalize: 'peak' });
 * if (problem) throw new ConfigError(problem);
 * ```
 */
export async function checkFreeSpace(options: {
  store: ObjectStore;
  jobs: readonly PromptJob[];
  force: boolean;
  format: WavFormat;
  normalize: NormalizationStrategy;
}): Promise<string | undefined> {
  const { store, jobs, force, format, normalize } = options;
  const done = { rendering: { format, normalize }, unrecordedRendering: UNRECORDED_RENDERING };
  if (!store.freeBytes) return undefined;
  let needed = RUN_OVERHEAD_BYTES;
  let count = 0;
  for (const job of jobs) {
    if (!force && (await isJobDone(store, job.key, job.identityHash, done)).done) continue;
    needed += expectedJobBytes(job, format);
    count += 1;
  }
  if (count === 0) return undefined;
  const free = await store.freeBytes();
  if (free >= needed) return undefined;
  return (
    `Cannot start as the output directory ${store.location} has ${formatBytes(free)} free and this run needs ` +
    `${formatBytes(needed)} for ${count} WAV${count === 1 ? '' : 's'} not yet stored; free some space or choose another --out`
  );
}
