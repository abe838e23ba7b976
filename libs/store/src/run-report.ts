import type { ObjectStore } from './object-store.js';

/** What happened to one prompt line. */
export type JobStatus = 'generated' | 'skipped' | 'failed' | 'invalid';

/** The schema version of the reports this library writes: 2 added the QA figures (v1 had no `schemaVersion`). */
export const RUN_REPORT_SCHEMA_VERSION = 2;

/**
 * A take's audio QA (`assessTrack` of `@musicgen/wav`, same names): advisory figures and verdict.
 * `loudnessLufs` is null for silence (and takes under 0.4 s); `reasons` are `silent`, `clipped`,
 * `noise`, `repetitive`, empty when `ok`.
 */
export interface RunReportQa {
  verdict: 'ok' | 'suspect';
  reasons: string[];
  loudnessLufs: number | null;
  silenceRatio: number;
  clippingRatio: number;
  flatness: number;
  repetition: number;
}

/** One take of a job that was re-rolled: its seed, its QA, and whether it is the take stored. */
export interface RunReportAttempt {
  seed: number;
  qa: RunReportQa;
  kept: boolean;
}

/**
 * One job of a run: its prompt-file line, outcome, object key (null when invalid), size, time, error;
 * for a valid line its prompt, requested duration and seed, and for a generated job the QA of the take
 * stored (absent: not assessed, as for skipped jobs and reports written before QA).
 */
export interface RunReportJob {
  line: number;
  status: JobStatus;
  key: string | null;
  bytes: number;
  seconds: number;
  error: string | null;
  prompt?: string;
  /** The duration the line asked for, in seconds. */
  durationSeconds?: number;
  /** The seed of the take stored (with re-rolls, the kept attempt's). */
  seed?: number;
  qa?: RunReportQa;
}

/**
 * Counts and totals over a run: `bytes` written by generated jobs, `seconds` of wall-clock time,
 * `suspect` the jobs whose stored take the QA calls suspect.
 */
export interface RunSummary {
  total: number;
  generated: number;
  skipped: number;
  failed: number;
  invalid: number;
  suspect: number;
  bytes: number;
  seconds: number;
}

/** The report of one batch run, stored as JSON under `reports/`. */
export interface RunReport {
  schemaVersion: typeof RUN_REPORT_SCHEMA_VERSION;
  id: string;
  startedAt: string;
  finishedAt: string;
  location: string;
  jobs: RunReportJob[];
  summary: RunSummary;
}

/**
 * Builds a {@link RunReport}, computing its summary from the jobs and the two timestamps.
 *
 * @example
 * ```ts
 * const report = createRunReport({ id: 'a1b2c3', startedAt, finishedAt: new Date(), location: store.location, jobs });
 * ```
 */
export function createRunReport(input: {
  id: string;
  startedAt: Date;
  finishedAt: Date;
  location: string;
  jobs: RunReportJob[];
}): RunReport {
  const { id, startedAt, finishedAt, location, jobs } = input;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new RangeError(
      `Cannot create run report: id must be 1 to 64 of [A-Za-z0-9_-]: got ${JSON.stringify(id)}`,
    );
  }
  const seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  if (!(seconds >= 0)) {
    throw new RangeError(`Cannot create run report: finishedAt is before startedAt: got ${seconds} s`);
  }
  const count = (status: JobStatus) => jobs.filter((job) => job.status === status).length;
  return {
    schemaVersion: RUN_REPORT_SCHEMA_VERSION,
    id,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    location,
    jobs,
    summary: {
      total: jobs.length,
      generated: count('generated'),
      skipped: count('skipped'),
      failed: count('failed'),
      invalid: count('invalid'),
      suspect: jobs.filter((job) => job.qa?.verdict === 'suspect').length,
      bytes: jobs.reduce((sum, job) => sum + (job.status === 'generated' ? job.bytes : 0), 0),
      seconds,
    },
  };
}

const MAX_LISTED_PROBLEMS = 10;
const MAX_LISTED_SUSPECTS = 10;

/**
 * A take's QA figures on one line, as the summary and the progress output show them.
 *
 * @example
 * ```ts
 * formatQaFigures(qa); // 'loudness -14.2 LUFS, silence 0, clipping 0, flatness 0.021, repetition 0.15'
 * ```
 */
export function formatQaFigures(qa: RunReportQa): string {
  const loudness = qa.loudnessLufs === null ? 'none (silence)' : `${qa.loudnessLufs} LUFS`;
  return (
    `loudness ${loudness}, silence ${qa.silenceRatio}, clipping ${qa.clippingRatio}, ` +
    `flatness ${qa.flatness}, repetition ${qa.repetition}`
  );
}

/**
 * A few human lines about a run: the counts (with the generated takes the QA calls suspect), then up
 * to 10 failed or invalid jobs with their errors (`listInvalid: false` leaves out invalid lines, for a
 * console that showed them already), then up to 10 suspect takes with their reasons and figures.
 *
 * @example
 * ```ts
 * console.log(formatRunSummary(report));
 * // Run a1b2c3: 3 jobs in 12.5 s: 1 generated (1 suspect), 1 skipped, 1 failed, 0 invalid; 1.3 MB written to ./output
 * // line 4 (rain_0f1e2d3c.wav): failed: Triton unavailable
 * // line 2 (calm_1a2b3c4d.wav): suspect (advisory): silent; loudness none (silence), silence 1, ...
 * ```
 */
export function formatRunSummary(report: RunReport, options: { listInvalid?: boolean } = {}): string {
  const { listInvalid = true } = options;
  const s = report.summary;
  const lines = [
    `Run ${report.id}: ${s.total} job${s.total === 1 ? '' : 's'} in ${s.seconds.toFixed(1)} s: ${s.generated} generated ` +
      `(${s.suspect} suspect), ${s.skipped} skipped, ${s.failed} failed, ${s.invalid} invalid; ` +
      `${(s.bytes / 1e6).toFixed(1)} MB written to ${report.location}`,
  ];
  const problems = report.jobs.filter(
    (job) => job.status === 'failed' || (listInvalid && job.status === 'invalid'),
  );
  for (const job of problems.slice(0, MAX_LISTED_PROBLEMS)) {
    const key = job.key === null ? '' : ` (${job.key})`;
    lines.push(`line ${job.line}${key}: ${job.status}: ${job.error ?? 'no error message'}`);
  }
  if (problems.length > MAX_LISTED_PROBLEMS) {
    lines.push(
      `... and ${problems.length - MAX_LISTED_PROBLEMS} more ${listInvalid ? 'failed or invalid' : 'failed'} jobs (see the JSON report)`,
    );
  }
  const suspects = report.jobs.filter((job) => job.qa?.verdict === 'suspect');
  for (const job of suspects.slice(0, MAX_LISTED_SUSPECTS)) {
    const qa = job.qa as RunReportQa;
    const key = job.key === null ? '' : ` (${job.key})`;
    lines.push(
      `line ${job.line}${key}: suspect (advisory): ${qa.reasons.join(', ')}; ${formatQaFigures(qa)}`,
    );
  }
  if (suspects.length > MAX_LISTED_SUSPECTS) {
    lines.push(`... and ${suspects.length - MAX_LISTED_SUSPECTS} more suspect takes (see the JSON report)`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Reads a stored run report (the parsed JSON) of any schema version this library knows, as the
 * current {@link RunReport}: a v1 report (no `schemaVersion`, written before QA) comes back with
 * `schemaVersion` 2 and `summary.suspect` 0, its jobs carrying no `qa` (not assessed). Other fields
 * pass through unchanged.
 *
 * @example
 * ```ts
 * const report = readRunReport(JSON.parse(text));
 * report.summary.suspect; // 0 for a report written before QA
 * ```
 *
 * @throws {SyntaxError} when the value is not a run report (no `jobs` list or `summary` object).
 * @throws {RangeError} when its `schemaVersion` is not 1 (absent) or 2.
 */
export function readRunReport(value: unknown): RunReport {
  const record = value as Partial<RunReport> | null;
  if (
    typeof record !== 'object' ||
    record === null ||
    !Array.isArray(record.jobs) ||
    typeof record.summary !== 'object' ||
    record.summary === null
  ) {
    throw new SyntaxError(
      'Cannot read the run report as it is not one: expected an object with a jobs list and a summary',
    );
  }
  const version: unknown = (record as { schemaVersion?: unknown }).schemaVersion;
  if (version === RUN_REPORT_SCHEMA_VERSION) return record as RunReport;
  if (version !== undefined) {
    throw new RangeError(
      `Cannot read the run report as its schemaVersion is not one this reader knows (1 or ${RUN_REPORT_SCHEMA_VERSION}): current value is ${JSON.stringify(version)}`,
    );
  }
  return {
    schemaVersion: RUN_REPORT_SCHEMA_VERSION,
    ...record,
    summary: { ...record.summary, suspect: 0 },
  } as RunReport;
}

/**
 * Stores the report as JSON at `reports/<startedAt, e.g. 20261128T100407Z>-<id>.json` and its
 * {@link formatRunSummary} next to it as `.txt`. Returns both keys.
 *
 * @example
 * ```ts
 * const { jsonKey } = await writeRunReport(store, report); // 'reports/20261128T100407Z-a1b2c3.json'
 * ```
 */
export async function writeRunReport(
  store: ObjectStore,
  report: RunReport,
): Promise<{ jsonKey: string; textKey: string }> {
  const stamp = report.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = `reports/${stamp}-${report.id}`;
  const jsonKey = `${base}.json`;
  const textKey = `${base}.txt`;
  await store.put(jsonKey, Buffer.from(JSON.stringify(report, null, 2) + '\n'), {
    contentType: 'application/json',
  });
  await store.put(textKey, Buffer.from(formatRunSummary(report)), {
    contentType: 'text/plain; charset=utf-8',
  });
  return { jsonKey, textKey };
}
