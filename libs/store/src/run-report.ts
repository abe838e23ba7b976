import type { ObjectStore } from './object-store.js';

/** What happened to one prompt line. */
export type JobStatus = 'generated' | 'skipped' | 'failed' | 'invalid';

/** One job of a run: its prompt-file line, outcome, object key (null when invalid), size, time, error. */
export interface RunReportJob {
  line: number;
  status: JobStatus;
  key: string | null;
  bytes: number;
  seconds: number;
  error: string | null;
}

/** Counts and totals over a run: `bytes` written by generated jobs, `seconds` of wall-clock time. */
export interface RunSummary {
  total: number;
  generated: number;
  skipped: number;
  failed: number;
  invalid: number;
  bytes: number;
  seconds: number;
}

/** The report of one batch run, stored as JSON under `reports/`. */
export interface RunReport {
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
      bytes: jobs.reduce((sum, job) => sum + (job.status === 'generated' ? job.bytes : 0), 0),
      seconds,
    },
  };
}

const MAX_LISTED_PROBLEMS = 10;

/**
 * A few human lines about a run: the counts, then up to 10 failed or invalid jobs with their errors
 * (`listInvalid: false` leaves out invalid lines, for a console that showed them already).
 *
 * @example
 * ```ts
 * console.log(formatRunSummary(report));
 * // Run a1b2c3: 3 jobs in 12.5 s: 1 generated, 1 skipped, 1 failed, 0 invalid; 1.3 MB written to ./output
 * // line 4 (rain_0f1e2d3c.wav): failed: Triton unavailable
 * ```
 */
export function formatRunSummary(report: RunReport, options: { listInvalid?: boolean } = {}): string {
  const { listInvalid = true } = options;
  const s = report.summary;
  const lines = [
    `Run ${report.id}: ${s.total} job${s.total === 1 ? '' : 's'} in ${s.seconds.toFixed(1)} s: ${s.generated} generated, ` +
      `${s.skipped} skipped, ${s.failed} failed, ${s.invalid} invalid; ${(s.bytes / 1e6).toFixed(1)} MB written to ${report.location}`,
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
  return lines.join('\n') + '\n';
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
