import { formatPromptLineError } from './prompt-line-error.js';
import type { PromptsParseResult } from './parse-prompts.js';

/**
 * Every kept line error as `source:line:column: message`, then, when errors were omitted, one line
 * saying how many.
 *
 * @example
 * ```ts
 * import { parsePrompts, formatPromptErrors } from '@musicgen/prompts';
 * const result = await parsePrompts('piano ; 0 ; a\n', { source: 'prompts.txt' });
 * formatPromptErrors(result); // ['prompts.txt:1:9: duration must be greater than 0: found "0"']
 * ```
 */
export function formatPromptErrors(result: PromptsParseResult): string[] {
  const lines = result.errors.map((error) => formatPromptLineError(result.source, error));
  if (result.omittedErrors > 0) {
    const noun = result.omittedErrors === 1 ? 'error' : 'errors';
    lines.push(`${result.source}: ${result.omittedErrors} more ${noun} not shown (maxErrors option)`);
  }
  return lines;
}
