import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { helpDescription, markdownCells, markdownTable } from './flag-help.js';
import { takesValue, type FlagSpec, type FlagTable, type OptionsOf } from './flag-table.js';
import { UsageError } from './usage-error.js';

/** The environment a command line is read with (flags' environment variables). */
export type CliEnv = Readonly<Record<string, string | undefined>>;

/** What every program says about itself. */
export interface ProgramInfo {
  /** The command's name, shown in help and at the start of every error line: `musicgen-batch`. */
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** Text after the flags in `--help`: exit codes, examples. */
  readonly epilog?: string;
}

/** One subcommand of a program with several. */
export interface CommandInfo<T extends FlagTable = FlagTable> {
  readonly summary: string;
  readonly flags: T;
  /** Keep options this command does not know, and arguments, in `rest` (in order) instead of refusing them. */
  readonly passThrough?: boolean;
}

/** Subcommands by name. */
export type CommandTable = Readonly<Record<string, CommandInfo>>;

/** A parsed single-command line. */
export interface ParsedFlags<O> {
  readonly options: O;
  /** Arguments left over (always empty unless the command passes them through). */
  readonly rest: readonly string[];
}

/** A parsed line of a program with subcommands: which one, and its options. */
export type ParsedCommand<C extends CommandTable> = {
  [K in keyof C & string]: {
    readonly command: K;
    readonly options: OptionsOf<C[K]['flags']>;
    readonly rest: readonly string[];
  };
}[keyof C & string];

/** Where a command line is read: the environment for flags' variables, stdout for help. */
export interface ParseContext {
  readonly env: CliEnv;
  writeOut(text: string): void;
}

/** A program built from its flag table(s). */
export interface CliProgram<P> {
  readonly name: string;
  /**
   * Reads a command line (without `node` and the script). Flag values come from the line, then the
   * flag's environment variable, then its default.
   *
   * @returns what to run, or undefined when help or the version was printed (exit 0).
   * @throws {UsageError} with a one-line message for anything the user has to fix.
   */
  parse(argv: readonly string[], context: ParseContext): P | undefined;
  /** The `--help` text of the program. */
  help(): string;
  /** Every flag as a Markdown table for the README (a command column first when there are subcommands). */
  flagsMarkdown(): string;
}

/**
 * What a program's `parse` gives, e.g. the union of its commands with their options.
 *
 * @example
 * ```ts
 * async function execute(request: ParsedBy<typeof PROGRAM>) { ... }
 * ```
 */
export type ParsedBy<T> = T extends CliProgram<infer P> ? P : never;

/**
 * A program with one command and its flags.
 *
 * @example
 * ```ts
 * const program = defineProgram({ name: 'tool', version: '1.0.0', description: 'Does it.', flags: FLAGS });
 * const parsed = program.parse(['--out', 'x'], { env: process.env, writeOut: (t) => process.stdout.write(t) });
 * parsed?.options.out; // 'x'
 * ```
 */
export function defineProgram<const T extends FlagTable>(
  info: ProgramInfo & { readonly flags: T },
): CliProgram<ParsedFlags<OptionsOf<T>>> {
  const build = (writeOut: (text: string) => void) => {
    const program = baseCommand(info, writeOut);
    addFlags(program, info.flags);
    return program;
  };
  return {
    name: info.name,
    parse(argv, context) {
      const program = build((text) => context.writeOut(text));
      if (!parseLine(program, argv, info.name)) return undefined;
      return { options: finish(program, info.flags, context.env) as OptionsOf<T>, rest: [...program.args] };
    },
    help: () => helpText((writeOut) => build(writeOut)),
    flagsMarkdown: () =>
      markdownTable(
        ['flag', 'meaning', 'default'],
        Object.values(info.flags).map((spec) => markdownCells(spec)),
      ),
  };
}

/**
 * A program with subcommands (`musicgen-deploy pod`, `musicgen-deploy run`), each with its flags.
 *
 * @example
 * ```ts
 * const program = defineCommands({ name: 'tool', version: '1.0.0', description: 'Does it.', commands: { up: { summary: 'start', flags: UP_FLAGS } } });
 * const parsed = program.parse(['up', '--restart'], { env: process.env, writeOut: (t) => process.stdout.write(t) });
 * parsed?.command; // 'up'
 * ```
 */
export function defineCommands<const C extends CommandTable>(
  info: ProgramInfo & { readonly commands: C },
): CliProgram<ParsedCommand<C>> {
  const build = (writeOut: (text: string) => void) => {
    const program = baseCommand(info, writeOut);
    const commands = new Map<string, Command>();
    for (const [name, spec] of Object.entries(info.commands)) {
      const command = program.command(name).description(spec.summary);
      addFlags(command, spec.flags);
      if (spec.passThrough) command.allowUnknownOption(true).allowExcessArguments(true);
      commands.set(name, command);
    }
    return { program, commands };
  };
  return {
    name: info.name,
    parse(argv, context) {
      const { program, commands } = build((text) => context.writeOut(text));
      let ran: string | undefined;
      for (const [name, command] of commands) {
        command.action(() => {
          ran = name;
        });
      }
      if (!parseLine(program, argv, info.name)) return undefined;
      const command = ran === undefined ? undefined : commands.get(ran);
      if (ran === undefined || command === undefined) throw missingCommand(program, info.name);
      const spec = info.commands[ran] as CommandInfo;
      const options = finish(command, spec.flags, context.env);
      return { command: ran, options, rest: [...command.args] } as ParsedCommand<C>;
    },
    help: () => helpText((writeOut) => build(writeOut).program),
    flagsMarkdown: () =>
      markdownTable(
        ['command', 'flag', 'meaning', 'default'],
        Object.entries(info.commands).flatMap(([name, spec]) =>
          Object.values(spec.flags).map((flag) => [`\`${name}\``, ...markdownCells(flag)]),
        ),
      ),
  };
}

/** The whole `--help` output, epilog included (commander's `helpInformation` leaves it out). */
function helpText(build: (writeOut: (text: string) => void) => Command): string {
  let text = '';
  build((chunk) => (text += chunk)).outputHelp();
  return text;
}

function baseCommand(info: ProgramInfo, writeOut: (text: string) => void): Command {
  const program = new Command(info.name)
    .description(info.description)
    .version(info.version, '--version', 'print the version')
    .helpOption('--help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut, writeErr: () => undefined, outputError: () => undefined })
    .configureHelp({ optionDescription: (option) => described.get(option) ?? option.description });
  if (info.epilog !== undefined) program.addHelpText('after', `\n${info.epilog}`);
  return program;
}

/** Help lines of the options built from a table, by option. */
const described = new WeakMap<Option, string>();

function addFlags(command: Command, flags: FlagTable): void {
  for (const spec of Object.values(flags)) {
    const option = new Option(spec.flags, spec.description);
    described.set(option, helpDescription(spec));
    if (takesValue(spec)) {
      if (spec.choices) option.choices(spec.choices);
      // Replaces commander's own choices check: the same check, with this kit's one-line message.
      option.argParser((text: string) => convert(spec, option.long ?? spec.flags, text));
      if (spec.default !== undefined) option.default(spec.default);
    } else {
      option.default(false);
    }
    command.addOption(option);
  }
}

/** The value of a flag's text, or a {@link UsageError} naming the flag (or variable), why, and the text. */
function convert(spec: FlagSpec, source: string, text: string): unknown {
  try {
    if (spec.choices && !spec.choices.includes(text)) {
      throw new InvalidArgumentError(`it must be one of ${spec.choices.join(', ')}`);
    }
    return spec.parse ? spec.parse(text) : text;
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      throw new UsageError(
        `Cannot use ${source} as ${error.message}: current value is ${JSON.stringify(text)}`,
      );
    }
    throw error;
  }
}

/**
 * Parses; false when help or the version was printed. Commander's own errors become one line; a
 * program with subcommands given none says which there are.
 */
function parseLine(program: Command, argv: readonly string[], name: string): boolean {
  try {
    program.parse([...argv], { from: 'user' });
    return true;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return false;
    if (error.code === 'commander.help') throw missingCommand(program, name);
    throw new UsageError(`${error.message.replace(/^error: /, '')} (see ${name} --help)`);
  }
}

function missingCommand(program: Command, name: string): UsageError {
  const names = program.commands.map((c) => c.name()).join(', ');
  return new UsageError(`Missing command: give one of ${names} (see ${name} --help)`);
}

/**
 * Applies the environment variables of flags not given, checks required flags and flags typed together
 * that conflict (a variable never conflicts), returns the options.
 */
function finish(command: Command, flags: FlagTable, env: CliEnv): Record<string, unknown> {
  const typed = (key: string) => command.getOptionValueSource(key) === 'cli';
  for (const [key, spec] of Object.entries(flags)) {
    const other = typed(key) ? spec.conflicts?.find(typed) : undefined;
    if (other !== undefined) {
      const name = (k: string) => flags[k]?.flags.split(' ')[0];
      throw new UsageError(`Cannot use ${name(key)} with ${name(other)}: give only one of them`);
    }
    if (spec.env !== undefined && command.getOptionValueSource(key) !== 'cli') {
      const text = env[spec.env];
      if (text !== undefined && text.trim() !== '') {
        command.setOptionValueWithSource(key, convert(spec, spec.env, text), 'env');
      }
    }
    if (spec.required !== undefined && command.getOptionValue(key) === undefined) {
      throw new UsageError(`Missing ${spec.flags}: ${spec.required}`);
    }
  }
  return command.opts();
}
