import { planWindows, type WindowPlan } from '@musicgen/chunking';
import type { PromptJob } from '@musicgen/prompts';
import { isJobDone, type ObjectStore, type ServedMetadata } from '@musicgen/store';
import { CODEBOOKS, copyCodeFrames, secondsForFrames, sliceCodes, type Codes } from '@musicgen/contract';
import { retryWithBackoff, type RetryOptions } from '@musicgen/triton-client';
import type { NormalizationStrategy, WavFormat } from '@musicgen/wav';
import type { GenerationBackend } from '../backend/generation-backend.js';
import type { ProgressModel } from '../progress/progress-model.js';
import { isRetryableError, describeError } from './retryable-error.js';
import { finishAudio, UNRECORDED_RENDERING } from './finish-job.js';
import { windowRequest } from './window-request.js';
import type { AudioMemoryBudget } from './audio-memory-budget.js';
import { holdJobLease, type HeldJobLease, type JobLeaseContext } from './job-lease.js';
import type { StoreWriter } from './store-writer.js';
import type { WindowScheduler } from './window-scheduler.js';
import type { GenerationSpeed } from './window-deadline.js';

/** What one job ended with. */
export interface JobOutcome {
  readonly status: 'generated' | 'skipped' | 'failed';
  readonly bytes: number;
  readonly seconds: number;
  readonly error: string | null;
  /**
   * Why a job was skipped (`exists`; `other-run`: another run held its lease and stored it meanwhile),
   * or that a failure was an interruption.
   */
  readonly reason?: 'exists' | 'other-run' | 'interrupted';
  /** True when the store failed as the WAV was finished and it went up later from the spool. */
  readonly spooled?: boolean;
  readonly windows?: number;
  /** Window attempts that failed and were retried. */
  readonly retries?: number;
  /** What the server reported that deserves a look (a prompt it truncated). */
  readonly warnings?: readonly string[];
}

/** What {@link runJob} works with. */
export interface JobContext {
  readonly backend: GenerationBackend;
  readonly scheduler: WindowScheduler;
  /**
   * Bounds the audio held by jobs decoding, encoding and storing at once (each holds its whole audio in
   * memory), so memory stays bounded with long jobs. Default: unbounded.
   */
  readonly finishing?: AudioMemoryBudget;
  readonly store: ObjectStore;
  /**
   * Stores finished WAVs, through the spool while the store fails. Default: straight `store.put` (an
   * error fails the job).
   */
  readonly writer?: StoreWriter;
  /** Per-job leases, so that two runs on one store never both make a job. Default: none. */
  readonly lease?: JobLeaseContext;
  readonly progress: ProgressModel;
  readonly signal: AbortSignal;
  readonly force: boolean;
  readonly format: WavFormat;
  readonly normalize: NormalizationStrategy;
  /** What the servers serve, recorded in the WAV's metadata. */
  readonly served?: ServedMetadata;
  readonly retry: Omit<RetryOptions, 'signal' | 'shouldRetry' | 'onRetry'>;
  /** Measures how fast windows generate and gives each its generation deadline. Default: none. */
  readonly speed?: GenerationSpeed;
  /** Called with every window request sent, for instrumentation (tests, benchmarks). */
  readonly onWindow?: (info: {
    job: PromptJob;
    window: number;
    promptCodes: Codes | undefined;
    codes: Codes;
  }) => void;
}

/**
 * Runs one job end to end: skip it when the store already holds it (same identity) unless `force`;
 * take its lease (waiting while another live run holds it, then skipping it if that run stored it);
 * plan its windows; generate them one after the other (each continuing from the previous window's last
 * frames), each window holding a scheduler slot and retried with backoff; decode the whole code
 * sequence once; normalise; encode; store the WAV with its metadata (through the spool while the store
 * fails); release the lease. Never throws: failures and
 * interruptions become a `failed` outcome.
 *
 * @example
 * ```ts
 * const outcome = await runJob(job, 0, context); // { status: 'generated', bytes: 320044, ... }
 * ```
 */
export async function runJob(job: PromptJob, order: number, context: JobContext): Promise<JobOutcome> {
  const { store, progress, signal } = context;
  const started = performance.now();
  const seconds = () => Math.round(performance.now() - started) / 1000;
  let plan: WindowPlan | undefined;
  let retries = 0;
  let truncation: string | undefined;
  let lease: HeldJobLease | undefined;
  const rendering = { format: context.format, normalize: context.normalize };
  const isDone = () =>
    isJobDone(store, job.key, job.identityHash, { rendering, unrecordedRendering: UNRECORDED_RENDERING });
  const skip = (reason: 'exists' | 'other-run'): JobOutcome => {
    progress.jobFinished(
      job,
      'skipped',
      reason === 'exists' ? 'already in the store' : 'stored by another run',
    );
    return { status: 'skipped', bytes: 0, seconds: seconds(), error: null, reason };
  };
  /** The done check and the lease; a skipped outcome, or undefined when the job is to be made. */
  const checkAndLease = async (): Promise<JobOutcome | undefined> => {
    if (!context.force) {
      const state = await isDone();
      if (state.done) return skip('exists');
      if (state.reason === 'rendering') {
        const { format, normalize } = state.storedRendering;
        progress.note(
          `line ${job.line} ${job.key}: stored as ${format} with ${normalize} normalisation, asked for ` +
            `${rendering.format} with ${rendering.normalize}: generating it again`,
        );
      }
      if (state.reason === 'conflict' || state.reason === 'no-identity') {
        progress.note(
          `line ${job.line} ${job.key}: an object with another identity is in the store; replacing it`,
        );
      }
    }
    if (context.lease) {
      lease ??= await holdJobLease(job.key, context.lease, signal);
      // Another run may have stored the job between the check above and the lease (or while this run
      // waited for it): look again before spending GPU time.
      if (lease.waited || !context.force) {
        if ((await isDone()).done) return skip(lease.waited ? 'other-run' : 'exists');
      }
    }
    return undefined;
  };
  try {
    // The store is read before any GPU time is spent; while it fails, the job waits for it.
    for (;;) {
      try {
        const skipped = await checkAndLease();
        if (skipped) return skipped;
        break;
      } catch (error) {
        if (!context.writer || signal.aborted || error instanceof RangeError) throw error;
        context.writer.reportFailure(error);
        await context.writer.whenHealthy();
      }
    }
    plan = planWindows(job.frames, job.seed);
    progress.jobStarted({ line: job.line, key: job.key, frames: job.frames, windows: plan.windows.length });
    const codes: Codes = { frames: job.frames, data: new Int32Array(CODEBOOKS * job.frames) };
    for (const window of plan.windows) {
      const promptCodes =
        window.contextFrames > 0
          ? sliceCodes(codes, window.startFrame - window.contextFrames, window.startFrame)
          : undefined;
      const windowCodes = await retryWithBackoff(
        async () => {
          progress.phase(job.line, 'waiting', window.index);
          const release = await context.scheduler.acquire(order, signal);
          try {
            progress.phase(job.line, 'generating', window.index);
            const deadline = context.speed?.deadlineMs(window.newFrames);
            let generatingSince: number | undefined;
            const codes = await context.backend.generateWindow({
              ...windowRequest(job, window, promptCodes),
              signal,
              ...(deadline === undefined ? {} : { generationDeadlineMs: deadline }),
              onProgress: ({ framesDone, queuePosition, textTokens }) => {
                if (generatingSince === undefined && (queuePosition ?? 0) === 0) {
                  generatingSince = performance.now();
                }
                if (
                  truncation === undefined &&
                  textTokens !== undefined &&
                  textTokens.read < textTokens.prompt
                ) {
                  truncation = `the server read ${textTokens.read} of the prompt's ${textTokens.prompt} tokens (its max_text_tokens): the rest does not shape the music`;
                  progress.note(`line ${job.line} ${job.key}: ${truncation}`);
                }
                progress.framesDone(job.line, window.startFrame + framesDone);
              },
            });
            if (generatingSince !== undefined) {
              context.speed?.record(window.newFrames, performance.now() - generatingSince);
            }
            return codes;
          } finally {
            release();
          }
        },
        {
          ...context.retry,
          signal,
          shouldRetry: isRetryableError,
          onRetry: ({ attempt, error, delayMs }) => {
            retries += 1;
            progress.retrying(job.line, attempt, delayMs, describeError(error));
          },
        },
      );
      copyCodeFrames(
        windowCodes.data,
        windowCodes.frames,
        0,
        codes.data,
        job.frames,
        window.startFrame,
        windowCodes.frames,
      );
      progress.framesDone(job.line, window.startFrame + window.newFrames);
      context.onWindow?.({ job, window: window.index, promptCodes, codes: windowCodes });
    }
    const releaseFinishing = await context.finishing?.acquire(secondsForFrames(job.frames), signal);
    let info: { bytes: number; spooled: boolean; stored: Promise<void> };
    try {
      progress.phase(job.line, 'decoding');
      const audio = await retryWithBackoff(() => context.backend.decode(codes, { signal }), {
        ...context.retry,
        signal,
        shouldRetry: isRetryableError,
      });
      const { wav, metadata } = finishAudio(job, audio, context);
      progress.phase(job.line, 'storing');
      info = context.writer
        ? await context.writer.write(job.key, wav, { metadata, contentType: 'audio/wav' })
        : {
            ...(await store.put(job.key, wav, { metadata, contentType: 'audio/wav', signal })),
            spooled: false,
            stored: Promise.resolve(),
          };
    } finally {
      releaseFinishing?.();
    }
    // In the spool (the store is failing), the WAV is safe on disk and out of memory: wait for the upload.
    await info.stored;
    progress.jobFinished(
      job,
      'generated',
      `${secondsForFrames(job.frames).toFixed(1)} s audio in ${seconds().toFixed(1)} s`,
    );
    return {
      status: 'generated',
      bytes: info.bytes,
      seconds: seconds(),
      error: null,
      windows: plan.windows.length,
      retries,
      ...(info.spooled ? { spooled: true } : {}),
      ...(truncation === undefined ? {} : { warnings: [truncation] }),
    };
  } catch (error) {
    const interrupted = signal.aborted;
    const message = interrupted ? 'interrupted' : describeError(error);
    progress.jobFinished(job, interrupted ? 'interrupted' : 'failed', message);
    return {
      status: 'failed',
      bytes: 0,
      seconds: seconds(),
      error: message,
      ...(interrupted ? { reason: 'interrupted' as const } : {}),
      ...(plan ? { windows: plan.windows.length } : {}),
      retries,
      ...(truncation === undefined ? {} : { warnings: [truncation] }),
    };
  } finally {
    await lease?.release();
  }
}
