import type { ServerFacts } from '@musicgen/contract';
import {
  readRunReport,
  type RunProgress,
  type RunProgressJob,
  type RunProgressSettings,
  type RunReportAttempt,
  type RunReportJob,
  type RunReportQa,
} from '@musicgen/store';

/** Where a job is, as the page shows it: the progress file's states, which include the report's outcomes. */
export type TrackStatus = RunProgressJob['state'];

/** One line of a run, as the page shows it. */
export interface TrackView {
  readonly line: number;
  readonly key: string | null;
  readonly status: TrackStatus;
  /** Null when nothing says (an invalid line; a v1 report whose WAV carries no metadata). */
  readonly prompt: string | null;
  readonly durationSeconds: number | null;
  readonly seed: number | null;
  /** Model and sampling settings, when the run's progress file recorded them. */
  readonly settings: RunProgressSettings | null;
  /** How the WAV was written (`pcm16`, `peak`), from its metadata, when read. */
  readonly rendering: { readonly format: string; readonly normalize: string } | null;
  readonly error: string | null;
  /** Why a job was skipped (`exists`, `other-run`, `duplicate`), and the line it duplicates. */
  readonly reason: string | null;
  readonly duplicateOf: number | null;
  readonly warnings: readonly string[];
  readonly qa: RunReportQa | null;
  readonly attempts: readonly RunReportAttempt[];
  /** Bytes written and seconds spent on the job (0 while it runs). */
  readonly bytes: number;
  readonly seconds: number;
  /** True when the store holds the job's WAV (generated, or skipped as already there). */
  readonly audio: boolean;
  /** While the job is active: frames done of all, and the window being generated. */
  readonly activity: {
    readonly framesDone: number;
    readonly frames: number;
    readonly window: number;
    readonly windows: number;
  } | null;
}

/** One server of a run, as it described itself. */
export interface ServerView {
  readonly address: string;
  readonly capacity: number | null;
  readonly facts: ServerFacts | null;
}

/**
 * A run's state: `running` (its progress file moves), `finished` or `interrupted` (its report says so),
 * or `stopped` (no report, and the progress file has not changed for {@link STOPPED_AFTER_MS}: the
 * run was killed or lost its store).
 */
export type RunState = 'running' | 'finished' | 'interrupted' | 'stopped';

/** What the list of runs shows of a run. */
export interface RunSummaryView {
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly state: RunState;
  readonly prompts: string | null;
  /** True for the preview engine (a synthesiser, not MusicGen); null when the report does not say. */
  readonly preview: boolean | null;
  /** The model id the jobs' identities name. */
  readonly model: string | null;
  readonly counts: {
    readonly total: number;
    readonly generated: number;
    readonly skipped: number;
    readonly failed: number;
    readonly invalid: number;
    readonly suspect: number;
  };
  /** Seconds of audio in the generated WAVs, and the run's wall time. */
  readonly audioSeconds: number;
  readonly wallSeconds: number;
  /** The progress file's figures while the run works (share done, speed, ETA). */
  readonly progress: RunProgress['totals'] | null;
}

/** A run with its jobs. */
export interface RunView extends RunSummaryView {
  readonly location: string | null;
  readonly reportSchemaVersion: number | null;
  readonly servers: readonly ServerView[];
  readonly tracks: readonly TrackView[];
}

/** A progress file untouched this long, with no report beside it, belongs to a run that stopped. */
export const STOPPED_AFTER_MS = 60_000;

/** What the page knows of one WAV from its metadata. */
export interface WavFacts {
  readonly prompt?: string;
  readonly durationSeconds?: number;
  readonly seed?: number;
  readonly model?: string;
  readonly rendering?: { readonly format: string; readonly normalize: string };
}

/** A stored report, as loaded: the parsed JSON with the batch's extra fields. */
type LoadedReport = ReturnType<typeof readRunReport> & {
  readonly prompts?: string;
  readonly preview?: boolean;
  readonly model?: string;
  readonly interrupted?: string | null;
  readonly servers?: readonly { address: string; capacity?: number; facts?: ServerFacts | null }[];
};
type LoadedJob = RunReportJob & {
  readonly reason?: string;
  readonly duplicateOf?: number;
  readonly warnings?: readonly string[];
  readonly attempts?: readonly RunReportAttempt[];
};

/**
 * Reads a stored report's JSON (schema 1 or 2) for the page. A v1 report has no prompts, durations or
 * seeds: they come from the progress file when there is one, else from each WAV's metadata (`wav`).
 */
export function parseReport(text: string, source: string): LoadedReport {
  try {
    return readRunReport(JSON.parse(text)) as LoadedReport;
  } catch (error) {
    throw new Error(`Cannot read the run report ${source}: ${(error as Error).message}`);
  }
}

/**
 * Builds the page's view of a run from its report and/or its progress file (at least one), and the
 * metadata of its WAVs where the report lacks a prompt. `now` decides whether a run without a report
 * is still running or stopped.
 *
 * @example
 * ```ts
 * const view = runView({ report, progress, wav: new Map(), now: Date.now() });
 * view.tracks[0].status; // 'generated'
 * ```
 */
export function runView(input: {
  readonly report?: LoadedReport;
  readonly progress?: RunProgress;
  readonly wav: ReadonlyMap<string, WavFacts>;
  readonly now: number;
}): RunView {
  const { report, progress, wav, now } = input;
  if (!report && !progress) throw new TypeError('Cannot show a run without its report or progress file');
  const fromProgress = new Map((progress?.jobs ?? []).map((job) => [job.line, job]));
  const tracks = report
    ? (report.jobs as LoadedJob[]).map((job) =>
        reportTrack(job, fromProgress.get(job.line), job.key ? wav.get(job.key) : undefined),
      )
    : (progress as RunProgress).jobs.map((job) => progressTrack(job, job.key ? wav.get(job.key) : undefined));
  const audioSeconds = tracks
    .filter((t) => t.status === 'generated')
    .reduce((sum, t) => sum + (t.durationSeconds ?? 0), 0);
  const count = (status: TrackStatus) => tracks.filter((t) => t.status === status).length;
  const state: RunState = report
    ? report.interrupted
      ? 'interrupted'
      : 'finished'
    : progress?.state === 'running' && now - Date.parse(progress.updatedAt) > STOPPED_AFTER_MS
      ? 'stopped'
      : ((progress as RunProgress).state as RunState);
  const base = (report ?? progress) as { id: string; startedAt: string };
  return {
    id: base.id,
    startedAt: base.startedAt,
    finishedAt: report?.finishedAt ?? null,
    state,
    prompts: report?.prompts ?? progress?.prompts ?? null,
    preview: report?.preview ?? progress?.preview ?? null,
    model: report?.model ?? progress?.model ?? null,
    counts: report
      ? {
          total: report.summary.total,
          generated: report.summary.generated,
          skipped: report.summary.skipped,
          failed: report.summary.failed,
          invalid: report.summary.invalid,
          suspect: report.summary.suspect,
        }
      : {
          total: tracks.length,
          generated: count('generated'),
          skipped: count('skipped'),
          failed: count('failed'),
          invalid: count('invalid'),
          suspect: 0,
        },
    audioSeconds: Math.round(audioSeconds * 100) / 100,
    wallSeconds: report ? report.summary.seconds : (progress as RunProgress).totals.elapsedSeconds,
    progress: report ? null : (progress as RunProgress).totals,
    location: report?.location ?? progress?.location ?? null,
    reportSchemaVersion: report ? ((report as { schemaVersion?: number }).schemaVersion ?? null) : null,
    servers: (report?.servers ?? []).map((s) => ({
      address: s.address,
      capacity: s.capacity ?? null,
      facts: s.facts ?? null,
    })),
    tracks,
  };
}

/** The list's part of a {@link RunView}. */
export function summaryOf(view: RunView): RunSummaryView {
  const { location: _l, reportSchemaVersion: _r, servers: _s, tracks: _t, ...summary } = view;
  return summary;
}

function reportTrack(
  job: LoadedJob,
  line: RunProgressJob | undefined,
  facts: WavFacts | undefined,
): TrackView {
  return {
    line: job.line,
    key: job.key,
    status: job.status,
    prompt: job.prompt ?? line?.prompt ?? facts?.prompt ?? null,
    durationSeconds: job.durationSeconds ?? line?.durationSeconds ?? facts?.durationSeconds ?? null,
    seed: job.seed ?? line?.seed ?? facts?.seed ?? null,
    settings: line?.settings ?? null,
    rendering: facts?.rendering ?? null,
    error: job.error,
    reason: job.reason ?? null,
    duplicateOf: job.duplicateOf ?? null,
    warnings: job.warnings ?? [],
    qa: job.qa ?? null,
    attempts: job.attempts ?? [],
    bytes: job.bytes,
    seconds: job.seconds,
    audio: job.key !== null && (job.status === 'generated' || job.status === 'skipped'),
    activity: null,
  };
}

function progressTrack(job: RunProgressJob, facts: WavFacts | undefined): TrackView {
  const active = job.frames !== undefined && job.framesDone !== undefined;
  return {
    line: job.line,
    key: job.key,
    status: job.state,
    prompt: job.prompt ?? facts?.prompt ?? null,
    durationSeconds: job.durationSeconds ?? facts?.durationSeconds ?? null,
    seed: job.seed ?? facts?.seed ?? null,
    settings: job.settings ?? null,
    rendering: facts?.rendering ?? null,
    error: job.error ?? null,
    reason: null,
    duplicateOf: null,
    warnings: [],
    qa: null,
    attempts: [],
    bytes: 0,
    seconds: 0,
    audio: job.key !== null && (job.state === 'generated' || job.state === 'skipped'),
    activity: active
      ? {
          framesDone: job.framesDone as number,
          frames: job.frames as number,
          window: job.window ?? 1,
          windows: job.windows ?? 1,
        }
      : null,
  };
}
