import { parseLine } from './parse-line.js';
import {
  resolveParseOptions,
  type ParsePromptsOptions,
  type ResolvedParseOptions,
} from './parse-prompts-options.js';
import type { PromptJob } from './prompt-job.js';
import type { PromptLineError } from './prompt-line-error.js';
import { PromptsFileError } from './prompts-file-error.js';
import { readLines, splitTextLines } from './read-lines.js';

/** Everything read from a prompts file. */
export interface PromptsParseResult {
  /** The `source` option: the name to put in front of `line:column` in messages. */
  readonly source: string;
  /** Valid lines in file order; lines with any problem give no job. */
  readonly jobs: PromptJob[];
  /** The first `maxErrors` problems, in line and column order. */
  readonly errors: PromptLineError[];
  /** Problems found beyond `maxErrors`. */
  readonly omittedErrors: number;
  /**
   * Remarks about valid lines, in line order (their jobs run): a FILENAME that ends in another audio
   * extension (`song.mp3` gives `song.mp3_<hash8>.wav`). Bounded by `maxErrors` like the errors.
   */
  readonly warnings: PromptLineError[];
  /** Lines read, blank and comment lines included. */
  readonly lineCount: number;
}

/**
 * Parses a prompts file given as text or as a stream of UTF-8 chunks (for example
 * `fs.createReadStream(path)` or `process.stdin`), line by line, without holding the whole input in
 * one string. Line problems are collected in `errors`, never thrown.
 *
 * @example
 * ```ts
 * import { parsePrompts } from '@musicgen/prompts';
 * const { jobs } = await parsePrompts('calm piano ; 20 ; piano\nrain ; 1:30 ; rain.wav ; seed=7\n');
 * jobs.map((job) => [job.key, job.frames, job.seed]);
 * // [['piano_f571f187.wav', 1000, 4049751528], ['rain_42830d04.wav', 4500, 7]]
 * ```
 *
 * @throws {TypeError | RangeError} when an option is invalid (before reading anything).
 * @throws {PromptsFileError} `NOT_UTF8`, `TOO_LARGE`, or `NO_PROMPTS` when no line holds a prompt.
 */
export async function parsePrompts(
  input: string | AsyncIterable<Uint8Array | string>,
  options: ParsePromptsOptions = {},
): Promise<PromptsParseResult> {
  const resolved = resolveParseOptions(options, '<input>');
  if (typeof input === 'string') {
    return collect([splitTextLines(input, resolved)], resolved);
  }
  if (input === null || typeof input !== 'object' || !(Symbol.asyncIterator in input)) {
    throw new TypeError(
      `Cannot parse prompts: input must be a string or an async iterable of chunks: got ${typeof input}`,
    );
  }
  return collect(readLines(input, resolved), resolved);
}

/** Runs every line through the line parser and gathers jobs and capped errors. */
export async function collect(
  batches: Iterable<string[]> | AsyncIterable<string[]>,
  options: ResolvedParseOptions,
): Promise<PromptsParseResult> {
  const jobs: PromptJob[] = [];
  const errors: PromptLineError[] = [];
  const warnings: PromptLineError[] = [];
  let omittedErrors = 0;
  let lineCount = 0;
  let contentLines = 0;
  for await (const lines of batches) {
    for (const text of lines) {
      lineCount++;
      const outcome = parseLine(
        text,
        lineCount,
        options,
        warnings.length < options.maxErrors ? warnings : undefined,
      );
      if (outcome === undefined) continue;
      contentLines++;
      if (!Array.isArray(outcome)) {
        jobs.push(outcome);
        continue;
      }
      for (const error of outcome) {
        if (errors.length < options.maxErrors) errors.push(error);
        else omittedErrors++;
      }
    }
  }
  if (contentLines === 0) {
    const reason = lineCount === 0 ? 'it is empty' : 'it has no prompts, only blank lines and # comments';
    throw new PromptsFileError('NO_PROMPTS', options.source, reason);
  }
  return { source: options.source, jobs, errors, omittedErrors, warnings, lineCount };
}
