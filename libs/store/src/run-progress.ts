/** The schema version of {@link RunProgress} this code writes and reads. */
export const RUN_PROGRESS_SCHEMA_VERSION = 1;

/**
 * Where a job is: `queued` (not started), `waiting` (started, waiting for a generation slot or a lease),
 * `generating`, `retrying` (a window failed and waits to be tried again), `decoding`, `storing`; then
 * one of the report's outcomes.
 */
export type RunProgressJobState =
  | 'queued'
  | 'waiting'
  | 'generating'
  | 'retrying'
  | 'decoding'
  | 'storing'
  | 'generated'
  | 'skipped'
  | 'failed'
  | 'invalid';

/** The states a job ends in (the report's `status` values). */
export const FINAL_JOB_STATES: readonly RunProgressJobState[] = ['generated', 'skipped', 'failed', 'invalid'];

/** One line of the prompts file in a {@link RunProgress}. */
export interface RunProgressJob {
  line: number;
  /** Object key of the WAV; null for an invalid line. */
  key: string | null;
  /** Absent for an invalid line. */
  prompt?: string;
  durationSeconds?: number;
  /** The seed the job is generated with (given on the line or derived), and its sampling settings. */
  seed?: number;
  settings?: RunProgressSettings;
  state: RunProgressJobState;
  /** Frames generated so far and in all, while the job is active. */
  framesDone?: number;
  frames?: number;
  /** 1-based window being generated and the job's windows, while generating. */
  window?: number;
  windows?: number;
  /** For `failed` and `invalid` jobs. */
  error?: string;
}

/** A job's sampling settings (the line's options over the run's defaults) and the model id. */
export interface RunProgressSettings {
  model: string;
  guidance: number;
  topK: number;
  topP: number;
  temperature: number;
}

/** Figures over the whole run, at `updatedAt`. */
export interface RunProgressTotals {
  /** Jobs of the run (valid and distinct) and how many of them are finished, any outcome. */
  jobs: number;
  done: number;
  generated: number;
  skipped: number;
  failed: number;
  invalid: number;
  /** Share of the run's work done, 0..1 (generating and finishing each count half of a job). */
  fractionDone: number;
  /** Audio seconds to generate and generated so far. */
  audioSecondsTotal: number;
  audioSecondsDone: number;
  /** Seconds of audio generated per second of wall time, over the last few seconds. */
  audioSecondsPerSecond: number;
  elapsedSeconds: number;
  /** Seconds left at the current speed, or null when unknown. */
  etaSeconds: number | null;
}

/**
 * What a batch run is doing, rewritten beside its report (see {@link runProgressKey}) about once a
 * second while it works, and a last time when it ends. Small: no audio, one entry per line.
 */
export interface RunProgress {
  schemaVersion: typeof RUN_PROGRESS_SCHEMA_VERSION;
  id: string;
  startedAt: string;
  updatedAt: string;
  /** `running` while the run works; `finished` or `interrupted` when its report is (about to be) written. */
  state: 'running' | 'finished' | 'interrupted';
  /** The prompts file as the user named it. */
  prompts: string;
  location: string;
  /** True when the audio comes from the preview engine (a synthesiser, not MusicGen). */
  preview: boolean;
  /** The model id the jobs' identities name. */
  model: string;
  totals: RunProgressTotals;
  jobs: RunProgressJob[];
}

/**
 * The object key of a run's progress file: `reports/<startedAt as 20261128T100407Z>-<id>.progress.json`,
 * beside the run's report `reports/<same>.json`.
 *
 * @example
 * ```ts
 * runProgressKey('2026-11-28T10:04:07.123Z', 'a1b2c3'); // 'reports/20261128T100407Z-a1b2c3.progress.json'
 * ```
 */
export function runProgressKey(startedAt: string, id: string): string {
  return `reports/${startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${id}.progress.json`;
}

/** Suffix of progress files under `reports/`. */
export const RUN_PROGRESS_SUFFIX = '.progress.json';

/**
 * Reads a progress file's JSON. Refuses, in one line, what is not a progress file or is of a newer schema
 * than this reader's.
 *
 * @example
 * ```ts
 * const progress = parseRunProgress(text, 'reports/20261128T100407Z-a1b2c3.progress.json');
 * progress.totals.fractionDone; // 0.4
 * ```
 */
export function parseRunProgress(text: string, source: string): RunProgress {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(
      `Cannot read run progress ${source} as it is not JSON: ${(error as Error).message}`,
    );
  }
  const record = value as Partial<RunProgress> | null;
  if (record === null || typeof record !== 'object' || !Array.isArray(record.jobs) || !record.totals) {
    throw new TypeError(`Cannot read run progress ${source} as it has no jobs and totals`);
  }
  if (record.schemaVersion !== RUN_PROGRESS_SCHEMA_VERSION) {
    throw new RangeError(
      `Cannot read run progress ${source} as its schemaVersion is ${JSON.stringify(record.schemaVersion)}: this version reads ${RUN_PROGRESS_SCHEMA_VERSION}`,
    );
  }
  return record as RunProgress;
}
