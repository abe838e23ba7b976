import { COMMANDS } from './flags.js';

/**
 * Every command's flags as a Markdown table, for the README (a test keeps the README's copy identical).
 *
 * @example
 * ```ts
 * console.log(flagsMarkdown());
 * ```
 */
export function flagsMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = COMMANDS.flatMap((command) =>
    command.flags.map((f) => {
      const meaning = f.defaultText ? `${f.description} (default: ${f.defaultText})` : f.description;
      return `| \`${command.name}\` | \`${cell(f.flags)}\` | ${cell(meaning)} |`;
    }),
  );
  return ['| command | flag | meaning |', '|---|---|---|', ...rows].join('\n');
}
