import { formatPromptLineError, type PromptLineError } from '@musicgen/prompts';

/**
 * Each invalid line's problems as one error text: its `file:line:column: message`s joined by `; `, by
 * line, in the order found. What the report and the progress file say about an invalid line.
 *
 * @example
 * ```ts
 * invalidLineErrors('p.txt', parsed.errors).get(4); // 'p.txt:4:12: duration must be ...'
 * ```
 */
export function invalidLineErrors(prompts: string, errors: readonly PromptLineError[]): Map<number, string> {
  const byLine = new Map<number, string[]>();
  for (const error of errors) {
    const messages = byLine.get(error.line) ?? [];
    messages.push(formatPromptLineError(prompts, error));
    byLine.set(error.line, messages);
  }
  return new Map([...byLine].map(([line, messages]) => [line, messages.join('; ')]));
}
