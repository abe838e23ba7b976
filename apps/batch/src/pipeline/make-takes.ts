import { secondsForFrames, type Codes } from '@musicgen/contract';
import type { PromptJob } from '@musicgen/prompts';
import { formatQaFigures, type RunReportAttempt, type RunReportQa } from '@musicgen/store';
import { retryWithBackoff } from '@musicgen/triton-client';
import { DEFAULT_QA_THRESHOLDS, type QaThresholds } from '@musicgen/wav';
import { finishAudio } from './finish-job.js';
import { generateTake, type TakeEvents } from './generate-take.js';
import { describeError, isRetryableError } from './retryable-error.js';
import type { JobContext } from './run-job.js';
import { assessTake, isBetterTake, nextSeed } from './take-qa.js';

/** The audio QA of a run: its thresholds, and how many times a suspect take is made again. */
export interface QaSettings {
  /** Default {@link DEFAULT_QA_THRESHOLDS}. */
  readonly thresholds: QaThresholds;
  /** Takes made after a suspect one, each with the next seed (`--reroll-suspect`); 0 makes one take. */
  readonly rerolls: number;
}

/** The take {@link makeTakes} stored, and what the job's report entry says about its takes. */
export interface StoredTake {
  readonly seed: number;
  readonly qa: RunReportQa;
  readonly bytes: number;
  readonly spooled: boolean;
  /** Every take made, in order, with its seed and QA; the stored one is `kept`. */
  readonly attempts: readonly RunReportAttempt[];
  /** What the report entry should say: a suspect take not re-rolled, a re-roll that failed. */
  readonly warnings: readonly string[];
}

interface Take {
  readonly seed: number;
  readonly codes: Codes;
  readonly qa: RunReportQa;
}

/**
 * Makes a job's take, assesses it and, while it is suspect and `qa.rerolls` allows, makes another with
 * the next seed; then stores the best take (by {@link isBetterTake}) under the job's key, with that
 * take's seed in its metadata. A job whose seed is part of its identity (given by its line or `--seed`)
 * is never re-rolled: another seed would be another job. A re-roll that fails (after its retries) ends
 * the re-rolls and the best take so far is stored, with a warning. The audio of the best take is decoded
 * again when it is not the last one made, so only codes are kept between takes.
 *
 * @example
 * ```ts
 * const stored = await makeTakes(job, order, context, { onRetry, onTextTokens });
 * stored.attempts; // [{ seed: 7, qa: { verdict: 'suspect', ... }, kept: false }, { seed: 8, ..., kept: true }]
 * ```
 */
export async function makeTakes(
  job: PromptJob,
  order: number,
  context: JobContext,
  events: TakeEvents,
): Promise<StoredTake> {
  const { progress, signal } = context;
  const { thresholds, rerolls } = context.qa ?? { thresholds: DEFAULT_QA_THRESHOLDS, rerolls: 0 };
  const mayReroll = rerolls > 0 && job.seedDerived;
  const made: Take[] = [];
  const warnings: string[] = [];
  let best: Take | undefined;
  let seed = job.seed;
  const decode = (codes: Codes) =>
    retryWithBackoff(() => context.backend.decode(codes, { signal }), {
      ...context.retry,
      signal,
      shouldRetry: isRetryableError,
    });
  const budget = () => context.finishing?.acquire(secondsForFrames(job.frames), signal);
  /** Decodes the kept take's audio again and stores it, holding the finishing budget meanwhile. */
  const finish = async (kept: Take) => {
    const release = await budget();
    try {
      return await store(kept, await decode(kept.codes));
    } finally {
      release?.();
    }
  };
  let finished: Awaited<ReturnType<typeof store>> | undefined;
  while (finished === undefined) {
    let codes: Codes;
    try {
      codes = await generateTake({ ...job, seed }, order, context, events);
    } catch (error) {
      if (best === undefined || signal.aborted) throw error;
      warnings.push(
        `the re-roll with seed ${seed} failed (${describeError(error)}): kept the take of seed ${best.seed}`,
      );
      finished = await finish(best);
      break;
    }
    const release = await budget();
    try {
      progress.phase(job.line, 'decoding');
      const audio = await decode(codes);
      const current: Take = { seed, codes, qa: assessTake(audio, thresholds) };
      made.push(current);
      if (best === undefined || isBetterTake(current.qa, best.qa)) best = current;
      const suspect = current.qa.verdict === 'suspect';
      if (!suspect || !mayReroll || made.length > rerolls) {
        if (suspect && rerolls > 0 && !job.seedDerived) {
          warnings.push(
            `suspect take not re-rolled: its seed ${job.seed} is given (by its line or --seed) and part of the job's identity, so another seed would be another job`,
          );
        }
        finished = await store(best, best === current ? audio : await decode(best.codes));
        break;
      }
    } finally {
      release?.();
    }
    const last = made[made.length - 1] as Take;
    seed = nextSeed(seed);
    progress.note(
      `line ${job.line} ${job.key}: the take with seed ${last.seed} is suspect (${last.qa.reasons.join(', ')}; ` +
        `${formatQaFigures(last.qa)}): re-rolling with seed ${seed} (take ${made.length + 1} of at most ${rerolls + 1})`,
    );
    progress.rerolling(job.line);
  }
  // In the spool (the store is failing), the WAV is safe on disk and out of memory: wait for the upload.
  await finished.stored;
  return finished.take;

  async function store(
    kept: Take,
    audio: Float32Array,
  ): Promise<{ take: StoredTake; stored: Promise<void> }> {
    const { wav, metadata } = finishAudio({ ...job, seed: kept.seed }, audio, context);
    progress.phase(job.line, 'storing');
    const info = context.writer
      ? await context.writer.write(job.key, wav, { metadata, contentType: 'audio/wav' })
      : {
          ...(await context.store.put(job.key, wav, { metadata, contentType: 'audio/wav', signal })),
          spooled: false,
          stored: Promise.resolve(),
        };
    const take: StoredTake = {
      seed: kept.seed,
      qa: kept.qa,
      bytes: info.bytes,
      spooled: info.spooled,
      attempts: made.map((made) => ({ seed: made.seed, qa: made.qa, kept: made === kept })),
      warnings,
    };
    return { take, stored: info.stored };
  }
}
