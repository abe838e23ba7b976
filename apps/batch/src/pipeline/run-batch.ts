import { setMaxListeners } from 'node:events';
import type { PromptJob } from '@musicgen/prompts';
import { describeLeaseHolder, type LeaseOwner, type ObjectStore, type ServedMetadata } from '@musicgen/store';
import { formatDuration } from '../progress/format-progress.js';
import type { GenerationBackend } from '../backend/generation-backend.js';
import type { BatchConfig } from '../config/resolve-config.js';
import type { BatchReportJob } from '../report/build-report.js';
import type { ProgressModel } from '../progress/progress-model.js';
import type { DuplicateLine } from './prepare-jobs.js';
import { runJob, type JobContext, type JobOutcome } from './run-job.js';
import type { QaSettings } from './make-takes.js';
import { AudioMemoryBudget } from './audio-memory-budget.js';
import { GenerationSpeed } from './window-deadline.js';
import { WindowScheduler, type OccupancyStats } from './window-scheduler.js';
import type { JobLeaseContext } from './job-lease.js';
import type { Spool } from './spool.js';
import { StoreWriter, type StoreWriterOptions } from './store-writer.js';

/** What {@link runBatch} works with. */
export interface RunBatchInput {
  readonly jobs: readonly PromptJob[];
  readonly duplicates: readonly DuplicateLine[];
  readonly config: Pick<BatchConfig, 'force' | 'format' | 'normalize' | 'maxAttempts'>;
  /** Windows in flight. */
  readonly concurrency: number;
  /**
   * Follows a concurrency that changes during the run (endpoints of a DNS name come and go): called
   * once with the function that applies a new value; returns what stops following. Default: fixed.
   */
  readonly watchConcurrency?: (apply: (concurrency: number) => void) => () => void;
  readonly backend: GenerationBackend;
  readonly store: ObjectStore;
  readonly progress: ProgressModel;
  readonly signal: AbortSignal;
  /** What the servers serve, recorded in every WAV's metadata (absent: they published nothing). */
  readonly served?: ServedMetadata;
  /** Retry timing override (tests, benchmarks); attempts come from the config. */
  readonly retry?: JobContext['retry'];
  readonly onWindow?: JobContext['onWindow'];
  /** This run as a lease owner: each job is leased in the store before it is made. Default: no leases. */
  readonly leaseOwner?: LeaseOwner;
  /** Lease timing override (tests). */
  readonly leaseTiming?: Pick<JobLeaseContext, 'ttlMs' | 'renewMs' | 'pollMs'>;
  /**
   * The run's spool: while the store fails, generation pauses and finished WAVs wait there (what is in it
   * at the start, adopted from a killed run, is uploaded before any job). Default: none, a failed write
   * fails its job.
   */
  readonly spool?: Spool;
  /** QA thresholds and re-rolls of suspect takes. Default: the default thresholds, no re-roll. */
  readonly qa?: QaSettings;
  /** How long WAVs wait in the spool for a failing store, and the upload backoff (tests). */
  readonly storeWait?: Pick<StoreWriterOptions, 'waitMs' | 'initialDelayMs' | 'maxDelayMs'>;
}

/**
 * Seconds of audio that jobs decoding, encoding and storing may hold in memory at once: 600 s is about
 * 77 MB of float samples plus 38 MB of 16-bit WAV. A longer job still runs, alone.
 */
export const FINISHING_AUDIO_SECONDS = 600;
/**
 * Backoff between attempts of a window or a decode: 250 ms doubling up to 15 s. With the default 12
 * attempts that is about 90 s of waiting, enough to ride out a Triton restart (a CPU server reloads in
 * 10 to 20 s, a GPU server with weights cached in about a minute). Only errors that can succeed on a
 * retry are retried (see isRetryableError).
 */
const WINDOW_RETRY_INITIAL_DELAY_MS = 250;
const WINDOW_RETRY_MAX_DELAY_MS = 15_000;
/**
 * Most jobs started and not finished, as a multiple of the concurrency (plus {@link EXTRA_ACTIVE_JOBS}).
 * Jobs waiting to decode hold only their codes (8 KB per 10 s of audio), so a deep queue is cheap and
 * keeps the windows in flight even while decoding or uploading falls behind for a while.
 */
const ACTIVE_JOBS_PER_WINDOW = 8;
const EXTRA_ACTIVE_JOBS = 64;

/**
 * Runs the jobs with `concurrency` windows in flight: a new job starts whenever the scheduler has a
 * free slot nobody waits for (and at most `8 × concurrency + 64` jobs are active);
 * earlier jobs' windows get slots first, so jobs finish in order as much as possible. At most
 * {@link FINISHING_AUDIO_SECONDS} of audio are held by jobs decoding, encoding and storing at once. One job's
 * failure never stops the others. When `signal` aborts, no new job starts, in-flight windows are
 * cancelled, and every unfinished job is reported `failed` with error `interrupted`.
 *
 * @example
 * ```ts
 * const { entries, occupancy } = await runBatch({ jobs, duplicates, config, concurrency: 16, backend, store, progress, signal });
 * ```
 */
export async function runBatch(
  input: RunBatchInput,
): Promise<{ entries: BatchReportJob[]; occupancy: OccupancyStats }> {
  const { jobs, concurrency, signal } = input;
  // Every job and window listens to the run's signal: many listeners are expected, not a leak.
  setMaxListeners(0, signal);
  const scheduler = new WindowScheduler({ capacity: concurrency });
  const unwatch = input.watchConcurrency?.((n) => scheduler.setCapacity(n));
  const { progress } = input;
  const writer = input.spool
    ? new StoreWriter({
        store: input.store,
        spool: input.spool,
        gate: scheduler,
        signal,
        ...input.storeWait,
        events: {
          failing: ({ error, spool }) =>
            progress.note(
              `Store failing (${error}): generation paused; finished WAVs wait in the spool ${spool} until it is back`,
            ),
          recovered: ({ seconds, uploaded }) =>
            progress.note(
              `Store back after ${formatDuration(seconds)}: ${uploaded} spooled WAV${uploaded === 1 ? '' : 's'} uploaded; generation resumes`,
            ),
          gaveUp: ({ error, seconds, left, spool }) =>
            progress.note(
              `Store still failing after ${formatDuration(seconds)} (${error}): giving up; ${left} WAV${left === 1 ? '' : 's'} stay in the spool ${spool}, and the next run uploads them first`,
            ),
          state: (state) => progress.storeState(state),
        },
      })
    : undefined;
  const warned = new Set<string>();
  const lease: JobLeaseContext | undefined = input.leaseOwner
    ? {
        leases: input.store.leases,
        owner: input.leaseOwner,
        ...input.leaseTiming,
        onOtherRun: (holder) => {
          if (warned.has(holder.runId)) return;
          warned.add(holder.runId);
          progress.note(
            `Warning: ${describeLeaseHolder(holder)} is working on this store too: this run leaves it the jobs it holds and checks them again when it lets go`,
          );
        },
        onLost: (key) =>
          progress.note(
            `Warning: ${key}: another run took over this job's lease (this run's had expired); both may store it`,
          ),
      }
    : undefined;
  if (writer) await writer.flush();
  const context: JobContext = {
    backend: input.backend,
    scheduler,
    finishing: new AudioMemoryBudget(FINISHING_AUDIO_SECONDS),
    store: input.store,
    ...(writer ? { writer } : {}),
    ...(lease ? { lease } : {}),
    progress,
    signal,
    force: input.config.force,
    format: input.config.format,
    normalize: input.config.normalize,
    ...(input.served ? { served: input.served } : {}),
    retry: {
      initialDelayMs: WINDOW_RETRY_INITIAL_DELAY_MS,
      maxDelayMs: WINDOW_RETRY_MAX_DELAY_MS,
      ...input.retry,
      maxAttempts: input.config.maxAttempts,
    },
    ...(input.onWindow ? { onWindow: input.onWindow } : {}),
    ...(input.qa ? { qa: input.qa } : {}),
    speed: new GenerationSpeed(),
  };
  const outcomes = new Map<number, JobOutcome>();
  const active = new Set<Promise<void>>();
  const maxActive = () => ACTIVE_JOBS_PER_WINDOW * scheduler.capacity + EXTRA_ACTIVE_JOBS;
  for (const [order, job] of jobs.entries()) {
    if (signal.aborted) break;
    try {
      await scheduler.whenWantsWork(signal);
    } catch {
      break;
    }
    while (active.size >= maxActive()) await Promise.race(active);
    if (signal.aborted) break;
    const running: Promise<void> = runJob(job, order, context).then((outcome) => {
      outcomes.set(job.line, outcome);
      active.delete(running);
    });
    active.add(running);
  }
  scheduler.markDraining();
  await Promise.all(active);
  unwatch?.();

  const notStarted: JobOutcome =
    writer?.gaveUp && !signal.aborted
      ? { status: 'failed', bytes: 0, seconds: 0, error: `not started: ${writer.gaveUp.message}` }
      : { status: 'failed', bytes: 0, seconds: 0, error: 'interrupted', reason: 'interrupted' };
  const entries: BatchReportJob[] = jobs.map((job) => {
    const outcome = outcomes.get(job.line) ?? notStarted;
    return {
      line: job.line,
      key: job.key,
      prompt: job.prompt,
      durationSeconds: job.durationSeconds,
      ...outcome,
    };
  });
  const byLine = new Map(entries.map((e) => [e.line, e]));
  for (const duplicate of input.duplicates) {
    const primary = byLine.get(duplicate.duplicateOf);
    const failed = primary?.status === 'failed';
    entries.push({
      line: duplicate.line,
      status: failed ? 'failed' : 'skipped',
      key: duplicate.key,
      ...(primary?.prompt === undefined ? {} : { prompt: primary.prompt }),
      ...(primary?.durationSeconds === undefined ? {} : { durationSeconds: primary.durationSeconds }),
      bytes: 0,
      seconds: 0,
      error: failed
        ? `same job as line ${duplicate.duplicateOf}, which failed: ${primary?.error ?? ''}`
        : null,
      reason: 'duplicate',
      duplicateOf: duplicate.duplicateOf,
    });
  }
  return { entries, occupancy: scheduler.stats() };
}
