import { planWindows, type WindowPlan } from '@musicgen/chunking';
import type { PromptJob } from '@musicgen/prompts';
import {
  isJobDone,
  type ObjectStore,
  type RunReportAttempt,
  type RunReportQa,
  type ServedMetadata,
} from '@musicgen/store';
import { secondsForFrames, type Codes } from '@musicgen/contract';
import type { RetryOptions } from '@musicgen/triton-client';
import type { NormalizationStrategy, WavFormat } from '@musicgen/wav';
import type { GenerationBackend } from '../backend/generation-backend.js';
import type { ProgressModel } from '../progress/progress-model.js';
import { describeError } from './retryable-error.js';
import { UNRECORDED_RENDERING } from './finish-job.js';
import { makeTakes, type QaSettings } from './make-takes.js';
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
  /**
   * What deserves a look: what the server reported (a prompt it truncated), a suspect take that was not
   * re-rolled, a re-roll that failed.
   */
  readonly warnings?: readonly string[];
  /** The seed of the take stored (generated), or of the job (failed). */
  readonly seed?: number;
  /** The advisory QA of the take stored. */
  readonly qa?: RunReportQa;
  /** Every take made, when there was more than one (re-rolls). */
  readonly attempts?: readonly RunReportAttempt[];
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
  /** QA thresholds and re-rolls. Default: `DEFAULT_QA_THRESHOLDS` of `@musicgen/wav`, no re-roll. */
  readonly qa?: QaSettings;
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
 * make its take ({@link makeTakes}: generate its windows, decode, assess the audio, re-roll a suspect
 * take when allowed), normalise, encode and store the best take with its metadata (through the spool
 * while the store fails); release the lease. Never throws: failures and interruptions become a
 * `failed` outcome.
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
    const stored = await makeTakes(job, order, context, {
      onRetry: () => (retries += 1),
      onTextTokens: (tokens) => {
        if (truncation !== undefined || tokens.read >= tokens.prompt) return;
        truncation = `the server read ${tokens.read} of the prompt's ${tokens.prompt} tokens (its max_text_tokens): the rest does not shape the music`;
        progress.note(`line ${job.line} ${job.key}: ${truncation}`);
      },
    });
    const warnings = [...(truncation === undefined ? [] : [truncation]), ...stored.warnings];
    progress.jobFinished(
      job,
      'generated',
      `${secondsForFrames(job.frames).toFixed(1)} s audio in ${seconds().toFixed(1)} s` +
        (stored.qa.verdict === 'suspect' ? `, suspect: ${stored.qa.reasons.join(', ')}` : '') +
        (stored.attempts.length > 1 ? ` (the best of ${stored.attempts.length} takes)` : ''),
    );
    return {
      status: 'generated',
      bytes: stored.bytes,
      seconds: seconds(),
      error: null,
      seed: stored.seed,
      qa: stored.qa,
      ...(stored.attempts.length > 1 ? { attempts: stored.attempts } : {}),
      windows: plan.windows.length,
      retries,
      ...(stored.spooled ? { spooled: true } : {}),
      ...(warnings.length === 0 ? {} : { warnings }),
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
      seed: job.seed,
      ...(interrupted ? { reason: 'interrupted' as const } : {}),
      ...(plan ? { windows: plan.windows.length } : {}),
      retries,
      ...(truncation === undefined ? {} : { warnings: [truncation] }),
    };
  } finally {
    await lease?.release();
  }
}
