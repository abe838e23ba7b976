import type { FlagSpec } from './flag-table.js';

/**
 * The default as help and the README show it: `defaultText`, else the environment variable and the
 * default value (`$MUSICGEN_MODEL_ID, else facebook/musicgen-medium`), else the default value; nothing
 * for a switch.
 *
 * @example
 * ```ts
 * shownDefault({ flags: '--top-k <n>', description: 'top-k', default: 250 }); // '250'
 * ```
 */
export function shownDefault(spec: FlagSpec): string | undefined {
  if (spec.defaultText !== undefined) return spec.defaultText;
  const value = spec.default === undefined ? undefined : String(spec.default);
  if (spec.env === undefined) return value;
  return value === undefined ? `$${spec.env}` : `$${spec.env}, else ${value}`;
}

/**
 * A flag's line in `--help`: the description, then its choices and default in parentheses.
 *
 * @example
 * ```ts
 * helpDescription({ flags: '--format <f>', description: 'WAV format', choices: ['wav16', 'wav24'], default: 'wav16' });
 * // 'WAV format (choices: wav16, wav24; default: wav16)'
 * ```
 */
export function helpDescription(spec: FlagSpec): string {
  const shown = shownDefault(spec);
  const details = [
    spec.choices ? `choices: ${spec.choices.join(', ')}` : undefined,
    shown === undefined ? undefined : `default: ${shown}`,
  ].filter((d) => d !== undefined);
  return details.length > 0 ? `${spec.description} (${details.join('; ')})` : spec.description;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** A flag's cells in the README table: the flag, its meaning (with the choices), its default. */
export function markdownCells(spec: FlagSpec): string[] {
  const choices = spec.choices ? ` (${spec.choices.join(', ')})` : '';
  return [`\`${cell(spec.flags)}\``, `${cell(spec.description)}${choices}`, cell(shownDefault(spec) ?? '')];
}

/** A Markdown table from a header and rows of cells. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}
