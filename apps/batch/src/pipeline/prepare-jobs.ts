import { identityHash, jobKey, type PromptJob } from '@musicgen/prompts';

/** A line whose job is the same as an earlier line's (same key). */
export interface DuplicateLine {
  readonly line: number;
  readonly key: string;
  readonly duplicateOf: number;
}

/**
 * Gives jobs without a seed of their own the run's `--seed` (recomputing key and identity hash), then
 * keeps the first job of each key: duplicate lines generate once.
 *
 * @example
 * ```ts
 * const { jobs, duplicates } = prepareJobs(parsed.jobs, config.seed);
 * ```
 */
export function prepareJobs(
  parsed: readonly PromptJob[],
  seed: number | undefined,
): { jobs: PromptJob[]; duplicates: DuplicateLine[] } {
  const first = new Map<string, PromptJob>();
  const duplicates: DuplicateLine[] = [];
  for (const original of parsed) {
    const job = seed === undefined || !original.seedDerived ? original : withSeed(original, seed);
    const earlier = first.get(job.key);
    if (earlier) duplicates.push({ line: job.line, key: job.key, duplicateOf: earlier.line });
    else first.set(job.key, job);
  }
  return { jobs: [...first.values()], duplicates };
}

function withSeed(job: PromptJob, seed: number): PromptJob {
  const identity = { ...job, seed, seedDerived: false };
  return {
    ...job,
    seed,
    seedDerived: false,
    key: jobKey(job.base, identity),
    identityHash: identityHash(identity),
  };
}
