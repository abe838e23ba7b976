import { formatPromptLineError, type PromptLineError } from '@musicgen/prompts';
import { createRunReport, type RunReport, type RunReportJob } from '@musicgen/store';

/** One line of the report: the store's job entry plus why it was skipped or interrupted. */
export interface BatchReportJob extends RunReportJob {
  /** `exists` (already in the store), `duplicate` (same key as an earlier line), `interrupted`. */
  readonly reason?: 'exists' | 'duplicate' | 'interrupted';
  /** For duplicates: the line that was generated instead. */
  readonly duplicateOf?: number;
  readonly windows?: number;
  readonly retries?: number;
}

/** The run report of the batch CLI: the store's {@link RunReport} plus what the run was about. */
export interface BatchReport extends RunReport {
  readonly jobs: BatchReportJob[];
  readonly prompts: string;
  /** The signal that stopped the run early, or null. */
  readonly interrupted: 'SIGINT' | 'SIGTERM' | null;
  /** True when the audio came from the preview engine (a synthesiser, not MusicGen). */
  readonly preview: boolean;
  /** Line problems beyond those listed in `jobs` (the prompts parser keeps a bounded number). */
  readonly omittedInvalidLines: number;
}

/** What {@link buildReport} puts together. */
export interface ReportInput {
  readonly id: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly location: string;
  readonly prompts: string;
  readonly jobs: readonly BatchReportJob[];
  readonly lineErrors: readonly PromptLineError[];
  readonly omittedErrors: number;
  readonly interrupted: 'SIGINT' | 'SIGTERM' | null;
  readonly preview: boolean;
}

/**
 * Builds the run report: every job outcome plus one `invalid` entry per bad line (all of that line's
 * problems, as `file:line:column: message`, joined by `; `), sorted by line, with the store's summary.
 *
 * @example
 * ```ts
 * const report = buildReport({ id, startedAt, finishedAt: new Date(), location: store.location, prompts: 'p.txt',
 *   jobs, lineErrors: parsed.errors, omittedErrors: 0, interrupted: null, preview: false });
 * report.summary; // { total, generated, skipped, failed, invalid, bytes, seconds }
 * ```
 */
export function buildReport(input: ReportInput): BatchReport {
  const byLine = new Map<number, string[]>();
  for (const error of input.lineErrors) {
    const messages = byLine.get(error.line) ?? [];
    messages.push(formatPromptLineError(input.prompts, error));
    byLine.set(error.line, messages);
  }
  const invalid: BatchReportJob[] = [...byLine].map(([line, messages]) => ({
    line,
    status: 'invalid',
    key: null,
    bytes: 0,
    seconds: 0,
    error: messages.join('; '),
  }));
  const jobs = [...input.jobs, ...invalid].sort((a, b) => a.line - b.line);
  const base = createRunReport({
    id: input.id,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    location: input.location,
    jobs,
  });
  return {
    ...base,
    jobs,
    prompts: input.prompts,
    interrupted: input.interrupted,
    preview: input.preview,
    omittedInvalidLines: input.omittedErrors,
  };
}
