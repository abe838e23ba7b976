import { FRAME_RATE_HZ } from '@musicgen/contract';
/** What an active job is doing now. */
export type JobPhase = 'waiting' | 'generating' | 'retrying' | 'decoding' | 'storing';

/** One job the run is working on. */
export interface ActiveJob {
  readonly line: number;
  readonly key: string;
  readonly phase: JobPhase;
  readonly window: number;
  readonly windows: number;
  readonly framesDone: number;
  readonly frames: number;
  /** Which take the job is making, from 2 on when a suspect take is re-rolled (absent: the first). */
  readonly take?: number;
}

/** Everything a renderer shows, at one instant. */
export interface ProgressSnapshot {
  /** Jobs this run has to go through (valid, distinct), and how many are finished (any outcome). */
  readonly jobsTotal: number;
  readonly jobsDone: number;
  readonly generated: number;
  readonly skipped: number;
  readonly failed: number;
  /** Jobs stopped by an interrupt (not counted as done: the next run makes them). */
  readonly interrupted: number;
  /**
   * Share of the run's work done, 0..1. A job's work is its frames twice over: once generating them,
   * once finishing them (decoding, encoding, storing), so a run whose codes are all generated but not
   * yet decoded is half done, not done.
   */
  readonly fractionDone: number;
  /** Audio seconds to generate (jobs not skipped) and generated so far. */
  readonly audioSecondsTotal: number;
  readonly audioSecondsDone: number;
  /** Generation speed over the last {@link RATE_WINDOW_MS}, in frames per second; 0 before any frame. */
  readonly framesPerSecond: number;
  /** Seconds left at the current speed of the work (both halves), or undefined when unknown. */
  readonly etaSeconds: number | undefined;
  readonly elapsedSeconds: number;
  readonly active: readonly ActiveJob[];
  /** Windows in flight against slots at each endpoint (empty when the run does not say). */
  readonly slots: readonly SlotUsage[];
  /** Set while the store fails: generation is paused and finished WAVs wait in the spool. */
  readonly store?: StoreOutage;
}

/** A store outage as the progress line shows it. */
export interface StoreOutage {
  /** Seconds since the first failed write. */
  readonly seconds: number;
  /** The last error, in one line. */
  readonly error: string;
  /** WAVs and bytes waiting in the spool. */
  readonly spooled: number;
  readonly spooledBytes: number;
}

/** Windows in flight at one endpoint against the requests it runs at once. */
export interface SlotUsage {
  readonly address: string;
  readonly inUse: number;
  readonly total: number;
}

/** A notable event, for the plain log renderer. */
export type ProgressEvent =
  | { kind: 'started'; job: ActiveJob }
  | {
      kind: 'finished';
      line: number;
      key: string;
      status: 'generated' | 'skipped' | 'failed';
      detail?: string;
    }
  | { kind: 'retry'; line: number; key: string; attempt: number; delayMs: number; error: string }
  | { kind: 'note'; message: string };

/** Frames per second of audio. */
/** Span of the moving speed measurement. */
export const RATE_WINDOW_MS = 10_000;

/**
 * The state of a batch run as the user sees it, fed by the pipeline and read by the renderers. Pure:
 * it never draws anything, and its clock is injectable.
 *
 * @example
 * ```ts
 * const progress = new ProgressModel({ jobsTotal: 3, audioSecondsTotal: 40 });
 * progress.jobStarted({ line: 1, key: 'calm_1a2b3c4d.wav', frames: 500, windows: 1 });
 * progress.framesDone(1, 250);
 * progress.snapshot().audioSecondsDone; // 5
 * ```
 */
export class ProgressModel {
  #jobsTotal: number;
  #audioFramesTotal: number;
  #framesDone = 0;
  /** Frames of jobs finished (stored), the second half of the work. */
  #framesFinished = 0;
  #counts = { generated: 0, skipped: 0, failed: 0, interrupted: 0 };
  readonly #active = new Map<number, ActiveJob>();
  readonly #listeners = new Set<(event: ProgressEvent) => void>();
  readonly #now: () => number;
  readonly #startedAt: number;
  /** (time, cumulative frames generated) samples for the moving generation speed. */
  #samples: [number, number][] = [];
  /** (time, cumulative work units) samples for the moving work rate behind the ETA. */
  #work: [number, number][] = [];

  readonly #slots: () => readonly SlotUsage[];
  #store: { since: number; error: string; spooled: number; spooledBytes: number } | undefined;

  constructor(options: {
    jobsTotal: number;
    audioSecondsTotal: number;
    now?: () => number;
    /** Reads the endpoints' slot usage when a snapshot is taken. */
    slots?: () => readonly SlotUsage[];
  }) {
    this.#jobsTotal = options.jobsTotal;
    this.#slots = options.slots ?? (() => []);
    this.#audioFramesTotal = Math.round(options.audioSecondsTotal * FRAME_RATE_HZ);
    this.#now = options.now ?? (() => performance.now());
    this.#startedAt = this.#now();
    this.#samples.push([this.#startedAt, 0]);
    this.#work.push([this.#startedAt, 0]);
  }

  /** Receives every {@link ProgressEvent}; returns the function that unsubscribes. */
  subscribe(listener: (event: ProgressEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A job starts its work (after the store said it is not done yet). */
  jobStarted(job: { line: number; key: string; frames: number; windows: number }): void {
    const active: ActiveJob = { ...job, phase: 'waiting', window: 0, framesDone: 0 };
    this.#active.set(job.line, active);
    this.#emit({ kind: 'started', job: active });
  }

  /** A job moves to another phase; `window` is the 0-based window being generated. */
  phase(line: number, phase: JobPhase, window?: number): void {
    const job = this.#active.get(line);
    if (!job) return;
    this.#active.set(line, { ...job, phase, window: window ?? job.window });
  }

  /** A job's new frames so far (over all its windows); the increase counts towards the speed. */
  framesDone(line: number, framesDone: number): void {
    const job = this.#active.get(line);
    if (!job || framesDone <= job.framesDone) return;
    this.#framesDone += framesDone - job.framesDone;
    this.#active.set(line, { ...job, framesDone });
    const now = this.#now();
    record(this.#samples, now, this.#framesDone);
    record(this.#work, now, this.#framesDone + this.#framesFinished);
  }

  /**
   * A job's take was suspect and it makes another (`--reroll-suspect`): the take's frames join the work
   * to do (generating and finishing), and the job's frames count from 0 again for the new take.
   */
  rerolling(line: number): void {
    const job = this.#active.get(line);
    if (!job) return;
    this.#audioFramesTotal += job.frames;
    this.#active.set(line, { ...job, take: (job.take ?? 1) + 1, window: 0, framesDone: 0 });
  }

  /** A window failed and will be tried again after `delayMs`. */
  retrying(line: number, attempt: number, delayMs: number, error: string): void {
    const job = this.#active.get(line);
    this.phase(line, 'retrying');
    this.#emit({ kind: 'retry', line, key: job?.key ?? '', attempt, delayMs, error });
  }

  /** A job ends. A skipped job's audio leaves the total to generate. */
  jobFinished(
    job: { line: number; key: string; frames: number },
    status: 'generated' | 'skipped' | 'failed' | 'interrupted',
    detail?: string,
  ): void {
    const active = this.#active.get(job.line);
    this.#active.delete(job.line);
    this.#counts[status] += 1;
    if (status === 'skipped') this.#audioFramesTotal -= job.frames;
    if (status === 'failed') this.#audioFramesTotal -= job.frames - (active?.framesDone ?? 0);
    if (status === 'generated') {
      // Every take was decoded and assessed: each counts as finished work.
      this.#framesFinished += job.frames * (active?.take ?? 1);
      record(this.#work, this.#now(), this.#framesDone + this.#framesFinished);
    }
    const shown = status === 'interrupted' ? 'failed' : status;
    this.#emit({
      kind: 'finished',
      line: job.line,
      key: job.key,
      status: shown,
      ...(detail ? { detail } : {}),
    });
  }

  /**
   * The store's state: `since` (a `Date.now()` time), the last error and what waits in the spool while it
   * fails; undefined once it works again.
   */
  storeState(
    state: { since: number; error: string; spooled: number; spooledBytes: number } | undefined,
  ): void {
    this.#store = state;
  }

  /** Something the user should read (the log renderer prints it; the bar shows it above itself). */
  note(message: string): void {
    this.#emit({ kind: 'note', message });
  }

  /** The state now. */
  snapshot(): ProgressSnapshot {
    const now = this.#now();
    const first = this.#samples[0] as [number, number];
    const spanMs = now - first[0];
    const framesPerSecond =
      spanMs > 0 && this.#framesDone > 0 ? ((this.#framesDone - first[1]) * 1000) / spanMs : 0;
    const workTotal = 2 * Math.max(0, this.#audioFramesTotal);
    const workDone = Math.min(workTotal, this.#framesDone + this.#framesFinished);
    const firstWork = this.#work[0] as [number, number];
    const workSpanMs = now - firstWork[0];
    const workRate =
      workSpanMs > 0 && workDone > firstWork[1] ? ((workDone - firstWork[1]) * 1000) / workSpanMs : 0;
    const { generated, skipped, failed, interrupted } = this.#counts;
    return {
      jobsTotal: this.#jobsTotal,
      jobsDone: generated + skipped + failed,
      generated,
      skipped,
      failed,
      interrupted,
      fractionDone:
        workTotal > 0
          ? workDone / workTotal
          : this.#jobsTotal > 0
            ? (generated + skipped + failed) / this.#jobsTotal
            : 1,
      audioSecondsTotal: Math.max(0, this.#audioFramesTotal) / FRAME_RATE_HZ,
      audioSecondsDone: this.#framesDone / FRAME_RATE_HZ,
      framesPerSecond,
      etaSeconds: workRate > 0 && interrupted === 0 ? (workTotal - workDone) / workRate : undefined,
      elapsedSeconds: (now - this.#startedAt) / 1000,
      active: [...this.#active.values()],
      slots: this.#slots(),
      ...(this.#store
        ? {
            store: {
              seconds: Math.max(0, (Date.now() - this.#store.since) / 1000),
              error: this.#store.error,
              spooled: this.#store.spooled,
              spooledBytes: this.#store.spooledBytes,
            },
          }
        : {}),
    };
  }

  #emit(event: ProgressEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/** Appends a (time, value) sample and drops those older than {@link RATE_WINDOW_MS} (keeping two). */
function record(samples: [number, number][], now: number, value: number): void {
  samples.push([now, value]);
  while (samples.length > 2 && (samples[1] as [number, number])[0] < now - RATE_WINDOW_MS) samples.shift();
}
