import type { PromptJob } from '@musicgen/prompts';

/** A line whose job is the same as an earlier line's (same key). */
export interface DuplicateLine {
  readonly line: number;
  readonly key: string;
  readonly duplicateOf: number;
}

/** Which part of the jobs this worker runs: shard `index` (1-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * The shard (1-based) a key belongs to among `count`: its `hash8` read as a number, modulo `count`, so
 * every worker given the same file and `--shard i/n` agrees, and duplicate lines land together.
 *
 * @example
 * ```ts
 * shardOfKey('rain_0000000a.wav', 4); // 3 (10 mod 4 = 2, so the third shard)
 * ```
 */
export function shardOfKey(key: string, count: number): number {
  const hash8 = /_([0-9a-f]{8})\.wav$/.exec(key)?.[1] ?? '0';
  return (Number.parseInt(hash8, 16) % count) + 1;
}

/**
 * Keeps only this worker's shard, then the first job of each key: duplicate lines generate once. (The
 * run's `--seed` is applied while parsing, so each job's identity is computed once.)
 *
 * @example
 * ```ts
 * const { jobs, duplicates } = prepareJobs(parsed.jobs, config.shard);
 * ```
 */
export function prepareJobs(
  parsed: readonly PromptJob[],
  shard: Shard = { index: 1, count: 1 },
): { jobs: PromptJob[]; duplicates: DuplicateLine[] } {
  const first = new Map<string, PromptJob>();
  const duplicates: DuplicateLine[] = [];
  for (const job of parsed) {
    if (shard.count > 1 && shardOfKey(job.key, shard.count) !== shard.index) continue;
    const earlier = first.get(job.key);
    if (earlier) duplicates.push({ line: job.line, key: job.key, duplicateOf: earlier.line });
    else first.set(job.key, job);
  }
  return { jobs: [...first.values()], duplicates };
}
