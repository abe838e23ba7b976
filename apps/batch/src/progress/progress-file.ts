import { FRAME_RATE_HZ } from '@musicgen/contract';
import type { PromptJob } from '@musicgen/prompts';
import {
  RUN_PROGRESS_SCHEMA_VERSION,
  runProgressKey,
  type ObjectStore,
  type RunProgress,
  type RunProgressJob,
} from '@musicgen/store';
import type { DuplicateLine } from '../pipeline/prepare-jobs.js';
import { describeError } from '../pipeline/retryable-error.js';
import type { BatchReportJob } from '../report/build-report.js';
import type { ProgressEvent, ProgressModel } from './progress-model.js';

/** What {@link ProgressFile} needs to know about the run. */
export interface ProgressFileOptions {
  readonly store: ObjectStore;
  readonly progress: ProgressModel;
  readonly run: {
    readonly id: string;
    readonly startedAt: Date;
    readonly prompts: string;
    readonly preview: boolean;
    readonly model: string;
  };
  /** The jobs to run, the duplicate lines, and each invalid line's error text. */
  readonly jobs: readonly PromptJob[];
  readonly duplicates: readonly DuplicateLine[];
  readonly invalid: ReadonlyMap<number, string>;
  /** How often the file is rewritten while the run works. Default {@link PROGRESS_FILE_INTERVAL_MS}. */
  readonly intervalMs?: number;
  /** Told once when a write fails (the run goes on; the next write tries again). */
  readonly onWriteError?: (message: string) => void;
  /** Wall clock for `updatedAt`. Default `() => new Date()`. */
  readonly clock?: () => Date;
}

/** The progress file is rewritten about once a second while a run works. */
export const PROGRESS_FILE_INTERVAL_MS = 1000;

type Entry = RunProgressJob & { duplicateOf?: number };

/**
 * Keeps a run's progress file (`reports/<stamp>-<id>.progress.json`, schema `RunProgress` of
 * `@musicgen/store`) up to date while the run works, so that a page can follow it live: written at
 * {@link ProgressFile.start}, every `intervalMs` after (one write at a time; a slow store skips beats
 * rather than queueing them), and a last time by {@link ProgressFile.finish} with the report's outcomes.
 * A failed write never fails the run.
 *
 * @example
 * ```ts
 * const file = new ProgressFile({ store, progress, run, jobs, duplicates, invalid });
 * await file.start();
 * // ... runBatch(...) ...
 * await file.finish('finished', report.jobs);
 * ```
 */
export class ProgressFile {
  readonly key: string;
  readonly #options: ProgressFileOptions;
  readonly #entries = new Map<number, Entry>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;
  #warned = false;

  constructor(options: ProgressFileOptions) {
    this.#options = options;
    this.key = runProgressKey(options.run.startedAt.toISOString(), options.run.id);
    const byLine = new Map(options.jobs.map((job) => [job.line, job]));
    for (const job of options.jobs) {
      this.#entries.set(job.line, { line: job.line, key: job.key, ...describeJob(job), state: 'queued' });
    }
    for (const duplicate of options.duplicates) {
      const primary = byLine.get(duplicate.duplicateOf);
      this.#entries.set(duplicate.line, {
        line: duplicate.line,
        key: duplicate.key,
        ...(primary ? describeJob(primary) : {}),
        state: 'queued',
        duplicateOf: duplicate.duplicateOf,
      });
    }
    for (const [line, error] of options.invalid) {
      this.#entries.set(line, { line, key: null, state: 'invalid', error });
    }
  }

  /** Writes the first version and starts rewriting it every interval. */
  async start(): Promise<void> {
    this.#unsubscribe = this.#options.progress.subscribe((event) => this.#on(event));
    await this.#write('running');
    this.#timer = setInterval(() => {
      if (this.#writing === undefined) void this.#write('running');
    }, this.#options.intervalMs ?? PROGRESS_FILE_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Stops the rewrites without a last write (a run that broke off: the file keeps its last state). */
  stop(): void {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
  }

  /** Stops the rewrites and writes the last version: every line's outcome as the report has it. */
  async finish(state: 'finished' | 'interrupted', outcomes: readonly BatchReportJob[]): Promise<void> {
    this.stop();
    await this.#writing;
    for (const outcome of outcomes) {
      const entry = this.#entries.get(outcome.line);
      if (!entry) continue;
      this.#entries.set(outcome.line, {
        ...entry,
        state: outcome.status,
        ...(outcome.error === null ? {} : { error: outcome.error }),
      });
    }
    await this.#write(state);
  }

  #on(event: ProgressEvent): void {
    if (event.kind !== 'finished') return;
    const entry = this.#entries.get(event.line);
    if (!entry) return;
    this.#entries.set(event.line, {
      ...entry,
      state: event.status,
      ...(event.status === 'failed' && event.detail ? { error: event.detail } : {}),
    });
    // Duplicate lines share their first line's outcome (as the report will say).
    for (const other of this.#entries.values()) {
      if (other.duplicateOf !== event.line) continue;
      this.#entries.set(other.line, {
        ...other,
        state: event.status === 'failed' ? 'failed' : 'skipped',
        ...(event.status === 'failed'
          ? { error: `same job as line ${event.line}, which failed: ${event.detail ?? ''}` }
          : {}),
      });
    }
  }

  /** The file's content now. */
  snapshot(state: RunProgress['state']): RunProgress {
    const { run, progress, clock = () => new Date() } = this.#options;
    const now = progress.snapshot();
    const active = new Map(now.active.map((job) => [job.line, job]));
    const jobs = [...this.#entries.values()]
      .sort((a, b) => a.line - b.line)
      .map(({ duplicateOf: _duplicateOf, ...entry }): RunProgressJob => {
        const job = state === 'running' ? active.get(entry.line) : undefined;
        if (!job || entry.state !== 'queued') return entry;
        return {
          ...entry,
          state: job.phase,
          framesDone: job.framesDone,
          frames: job.frames,
          window: job.window + 1,
          windows: job.windows,
        };
      });
    return {
      schemaVersion: RUN_PROGRESS_SCHEMA_VERSION,
      id: run.id,
      startedAt: run.startedAt.toISOString(),
      updatedAt: clock().toISOString(),
      state,
      prompts: run.prompts,
      location: this.#options.store.location,
      preview: run.preview,
      model: run.model,
      totals: {
        jobs: now.jobsTotal,
        done: now.jobsDone,
        generated: now.generated,
        skipped: now.skipped,
        failed: now.failed,
        invalid: this.#options.invalid.size,
        fractionDone: round(now.fractionDone, 4),
        audioSecondsTotal: round(now.audioSecondsTotal, 2),
        audioSecondsDone: round(now.audioSecondsDone, 2),
        audioSecondsPerSecond: round(now.framesPerSecond / FRAME_RATE_HZ, 3),
        elapsedSeconds: round(now.elapsedSeconds, 1),
        etaSeconds: now.etaSeconds === undefined ? null : round(now.etaSeconds, 1),
      },
      jobs,
    };
  }

  async #write(state: RunProgress['state']): Promise<void> {
    const body = Buffer.from(JSON.stringify(this.snapshot(state)) + '\n');
    const writing = this.#options.store
      .put(this.key, body, { contentType: 'application/json' })
      .then(
        () => undefined,
        (error: unknown) => {
          if (this.#warned) return;
          this.#warned = true;
          this.#options.onWriteError?.(
            `Note: cannot write the progress file ${this.key} (${describeError(error)}); the run goes on, and the report is written at the end as usual`,
          );
        },
      )
      .finally(() => {
        if (this.#writing === writing) this.#writing = undefined;
      });
    this.#writing = writing;
    await writing;
  }
}

/** What a line asks for: prompt, duration, seed and sampling settings. */
function describeJob(
  job: PromptJob,
): Pick<RunProgressJob, 'prompt' | 'durationSeconds' | 'seed' | 'settings'> {
  const { prompt, durationSeconds, seed, modelId: model, guidance, topK, topP, temperature } = job;
  return { prompt, durationSeconds, seed, settings: { model, guidance, topK, topP, temperature } };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
