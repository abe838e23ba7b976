/**
 * A problem with one line of a prompts file. `message` reads "what is wrong: found "<text>"".
 * Lines and columns are 1-based; columns count characters (Unicode code points, a tab is one) and
 * point at the start of the offending field or option.
 */
export interface PromptLineError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/**
 * Formats a line error the way compilers do: `source:line:column: message`.
 *
 * @example
 * ```ts
 * import { formatPromptLineError } from '@musicgen/prompts';
 * formatPromptLineError('prompts.txt', { line: 3, column: 14, message: 'duration must be greater than 0: found "0"' });
 * // 'prompts.txt:3:14: duration must be greater than 0: found "0"'
 * ```
 */
export function formatPromptLineError(source: string, error: PromptLineError): string {
  return `${source}:${error.line}:${error.column}: ${error.message}`;
}
