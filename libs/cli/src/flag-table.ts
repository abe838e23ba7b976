import { Option } from 'commander';

/**
 * One command-line flag, declared once: the commander option, `--help`, the README table and the
 * options type all follow it.
 */
export interface FlagSpec<T = unknown> {
  /** Commander syntax: `--prompts <file>` for a flag that takes a value, `--dry-run` for a switch. */
  readonly flags: string;
  readonly description: string;
  /**
   * Turns the text typed (or found in {@link env}) into the value. Throws commander's
   * `InvalidArgumentError` with the reason, worded to follow "Cannot use --flag as": `it must be an
   * integer from 1 to 1024`. Without it the value is the text.
   */
  readonly parse?: (text: string) => T;
  /** The only values accepted, checked before `parse` and listed in help. */
  readonly choices?: readonly string[];
  /** The value when neither the flag nor its environment variable is given. */
  readonly default?: T;
  /** How help and the README show the default, where `default` alone does not say it. */
  readonly defaultText?: string;
  /** Environment variable read when the flag is not given. A blank value counts as not set. */
  readonly env?: string;
  /** Makes the flag mandatory; says what to give: `give the prompts file, for example --prompts=p.txt`. */
  readonly required?: string;
  /** Keys of flags that may not be typed together with this one (a variable does not count). */
  readonly conflicts?: readonly string[];
}

/** Flags by the property name their value gets (commander's camelCase of the long flag). */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

type TakesValue<F> = F extends { readonly flags: `${string}<${string}>` } ? true : false;

/** The type of a flag's value: what `parse` returns, one of `choices`, the text, or a switch's boolean. */
export type FlagValue<F> = F extends { readonly parse: (text: string) => infer T }
  ? T
  : F extends { readonly choices: readonly (infer C)[] }
    ? C
    : TakesValue<F> extends true
      ? string
      : boolean;

type AlwaysSet<F> = F extends { readonly default: unknown }
  ? true
  : F extends { readonly required: string }
    ? true
    : TakesValue<F> extends true
      ? false
      : true;

type Flatten<T> = { [K in keyof T]: T[K] };

/**
 * The options object a flag table parses into: flags with a default, required flags and switches are
 * always set; the others may be missing.
 *
 * @example
 * ```ts
 * const FLAGS = defineFlags({
 *   out: { flags: '--out <dir>', description: 'where files go' },
 *   concurrency: { flags: '--concurrency <n>', description: 'at once', parse: integer({ min: 1, max: 64 }), default: 4 },
 *   dryRun: { flags: '--dry-run', description: 'plan only' },
 * });
 * type Options = OptionsOf<typeof FLAGS>; // { concurrency: number; dryRun: boolean; out?: string }
 * ```
 */
export type OptionsOf<T extends FlagTable> = Flatten<
  {
    -readonly [K in keyof T as AlwaysSet<T[K]> extends true ? K : never]: FlagValue<T[K]>;
  } & {
    -readonly [K in keyof T as AlwaysSet<T[K]> extends true ? never : K]?: FlagValue<T[K]>;
  }
>;

const FLAG_SYNTAX = /^--[a-z][a-z0-9]*(-[a-z0-9]+)*( <[^<>]+>)?$/;

/** Whether the flag takes a value (`--out <dir>`) rather than being a switch (`--force`). */
export function takesValue(spec: FlagSpec): boolean {
  return spec.flags.includes('<');
}

/**
 * Checks a flag table and returns it unchanged, typed exactly as written so that {@link OptionsOf}
 * can read it. Mistakes in the table are the program's, not the user's: they throw at start-up.
 *
 * @example
 * ```ts
 * export const FLAGS = defineFlags({
 *   prompts: { flags: '--prompts <file>', description: 'prompts file', required: 'give the prompts file' },
 *   json: { flags: '--json', description: 'print JSON' },
 * });
 * ```
 *
 * @throws {TypeError} when a key is not the property commander gives the flag, or a spec contradicts itself.
 */
export function defineFlags<const T extends FlagTable>(table: T): T {
  for (const [key, spec] of Object.entries(table)) {
    const problem = specProblem(key, spec, table);
    if (problem !== undefined) throw new TypeError(`Cannot define the flag ${key} as ${problem}`);
  }
  return table;
}

function specProblem(key: string, spec: FlagSpec, table: FlagTable): string | undefined {
  if (!FLAG_SYNTAX.test(spec.flags)) {
    return `its syntax must be --name or --name <value>: current value is "${spec.flags}"`;
  }
  const attribute = new Option(spec.flags).attributeName();
  if (attribute !== key) return `commander stores ${spec.flags} as "${attribute}": rename the key`;
  const value = takesValue(spec);
  if (!value && (spec.parse || spec.choices || spec.env || spec.required || spec.default !== undefined)) {
    return 'a switch takes no parse, choices, env, required or default: give it a <value>';
  }
  if (spec.required !== undefined && (spec.default !== undefined || spec.env !== undefined)) {
    return 'a required flag has no default and no environment variable';
  }
  const unknown = spec.conflicts?.find((other) => other === key || !Object.hasOwn(table, other));
  if (unknown !== undefined) return `it conflicts with "${unknown}", which is not another flag of the table`;
  const shown = spec.default;
  if (shown !== undefined && typeof shown === 'object' && spec.defaultText === undefined) {
    return 'a default that is not a plain value needs a defaultText';
  }
  return undefined;
}
