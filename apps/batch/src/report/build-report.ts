import { formatPromptLineError, type PromptLineError } from '@musicgen/prompts';
import type { ServerFacts } from '@musicgen/contract';
import { createRunReport, type RunReport, type RunReportAttempt, type RunReportJob } from '@musicgen/store';
import { invalidLineErrors } from './invalid-lines.js';

/** One line of the report: the store's job entry plus why it was skipped or interrupted. */
export interface BatchReportJob extends RunReportJob {
  /**
   * `exists` (already in the store), `other-run` (another run held the job's lease and stored it),
   * `duplicate` (same key as an earlier line), `interrupted`.
   */
  readonly reason?: 'exists' | 'other-run' | 'duplicate' | 'interrupted';
  /** True when the store failed as the WAV was finished, and it went up later from the spool. */
  readonly spooled?: boolean;
  /** For duplicates: the line that was generated instead. */
  readonly duplicateOf?: number;
  readonly windows?: number;
  readonly retries?: number;
  /**
   * What deserves a look although the job ran: `file:line:column: message` remarks of the prompts
   * parser (a FILENAME ending in `.mp3`), and what the server reported (a prompt it truncated).
   */
  readonly warnings?: readonly string[];
  /**
   * With `--reroll-suspect`: every take made for the job, in order (the first with the job's seed, then
   * the next seeds), each with its QA and whether it is the one stored.
   */
  readonly attempts?: readonly RunReportAttempt[];
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
  /** The model id the jobs' identities name. */
  readonly model: string;
  /** Each server, as it described itself before the run. */
  readonly servers: readonly ReportServer[];
}

/** One server of the run: its address, the requests it runs at once (and where that came from), its facts. */
export interface ReportServer {
  readonly address: string;
  readonly capacity: number;
  /** `facts` (published by the server), `config` (its model config), `fallback` (assumed). */
  readonly capacitySource: 'facts' | 'config' | 'fallback';
  /** Most windows in flight at it at once during the run. */
  readonly peakInFlight: number;
  /** Time-weighted mean of windows in flight at it while the run generated. */
  readonly meanInFlight: number;
  /** What it published through `musicgen_info`, or null when it publishes nothing. */
  readonly facts: ServerFacts | null;
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
  /** The prompts parser's warnings about valid lines; each goes to its line's entry. Default none. */
  readonly lineWarnings?: readonly PromptLineError[];
  readonly omittedErrors: number;
  readonly interrupted: 'SIGINT' | 'SIGTERM' | null;
  readonly preview: boolean;
  readonly model: string;
  readonly servers: readonly ReportServer[];
}

/**
 * Builds the run report: every job outcome plus one `invalid` entry per bad line (all of that line's
 * problems, as `file:line:column: message`, joined by `; `), sorted by line, with the store's summary.
 *
 * @example
 * ```ts
 * const report = buildReport({ id, startedAt, finishedAt: new Date(), location: store.location, prompts: 'p.txt',
 *   jobs, lineErrors: parsed.errors, omittedErrors: 0, interrupted: null, preview: false,
 *   model: 'facebook/musicgen-medium', servers: [] });
 * report.summary; // { total, generated, skipped, failed, invalid, suspect, bytes, seconds }
 * ```
 */
export function buildReport(input: ReportInput): BatchReport {
  const invalid: BatchReportJob[] = [...invalidLineErrors(input.prompts, input.lineErrors)].map(
    ([line, error]) => ({ line, status: 'invalid', key: null, bytes: 0, seconds: 0, error }),
  );
  const warningsByLine = new Map<number, string[]>();
  for (const warning of input.lineWarnings ?? []) {
    const messages = warningsByLine.get(warning.line) ?? [];
    messages.push(formatPromptLineError(input.prompts, warning));
    warningsByLine.set(warning.line, messages);
  }
  const withWarnings = input.jobs.map((job) => {
    const warnings = [...(warningsByLine.get(job.line) ?? []), ...(job.warnings ?? [])];
    return warnings.length > 0 ? { ...job, warnings } : job;
  });
  const jobs = [...withWarnings, ...invalid].sort((a, b) => a.line - b.line);
  const base = createRunReport({
    id: input.id,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    location: input.location,
    jobs,
  });
  // Lines beyond the parser's error limit are counted, not listed: they are invalid all the same.
  const omitted = input.omittedErrors;
  const summary = {
    ...base.summary,
    total: base.summary.total + omitted,
    invalid: base.summary.invalid + omitted,
  };
  return {
    ...base,
    summary,
    jobs,
    prompts: input.prompts,
    interrupted: input.interrupted,
    preview: input.preview,
    omittedInvalidLines: input.omittedErrors,
    model: input.model,
    servers: input.servers,
  };
}
