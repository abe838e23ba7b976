import { FLAGS } from './flags.js';

/**
 * The flag table as Markdown, for the README (a test keeps the README's copy identical).
 *
 * @example
 * ```ts
 * console.log(flagsMarkdown());
 * ```
 */
export function flagsMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = FLAGS.map((f) => {
    const choices = f.choices ? ` (${f.choices.join(', ')})` : '';
    return `| \`${cell(f.flags)}\` | ${cell(f.description)}${choices} | ${cell(f.defaultText ?? '')} |`;
  });
  return ['| flag | meaning | default |', '|---|---|---|', ...rows].join('\n');
}
