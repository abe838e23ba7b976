import { Command, Option } from 'commander';
import { COMMANDS, type CommandSpec, type MonitorOptions } from './flags.js';

/** Program name shown in help and in error lines. */
export const PROGRAM_NAME = 'musicgen-monitor';

/** What the command line asked for. */
export interface ParsedCommand {
  readonly command: CommandSpec['name'];
  readonly options: MonitorOptions;
}

function describe(flag: { description: string; defaultText?: string }): string {
  return flag.defaultText ? `${flag.description} (default: ${flag.defaultText})` : flag.description;
}

/**
 * The commander program built from {@link COMMANDS}. It never exits or prints by itself: errors throw
 * `CommanderError`; help goes to `writeOut`. `parsed()` gives what the last `parse` found.
 *
 * @example
 * ```ts
 * const { program, parsed } = buildProgram((text) => process.stdout.write(text));
 * program.parse(['logs', '--run', 'songs'], { from: 'user' });
 * parsed(); // { command: 'logs', options: { run: 'songs' } }
 * ```
 */
export function buildProgram(writeOut: (text: string) => void): {
  program: Command;
  parsed: () => ParsedCommand | undefined;
} {
  let result: ParsedCommand | undefined;
  const program = new Command(PROGRAM_NAME)
    .description('Watch a GPU pod over SSH: logs, system, GPU, Triton metrics, and a tunnel to Triton.')
    .version('0.1.0', '--version', 'print the version')
    .helpOption('--help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut, writeErr: () => undefined, outputError: () => undefined })
    .addHelpText(
      'after',
      '\nSettings come from .env and the environment (RUNPOD_HOST, RUNPOD_SSH_KEY, ...; see .env.template).\n' +
        'Exit codes: 0 done; 1 the connection or a command on the pod failed; 2 usage or configuration error.',
    );
  for (const spec of COMMANDS) {
    const command = program
      .command(spec.name)
      .description(spec.summary)
      .helpOption('--help', 'show this help')
      .exitOverride()
      .configureOutput({ writeOut, writeErr: () => undefined, outputError: () => undefined });
    for (const flag of spec.flags) command.addOption(new Option(flag.flags, describe(flag)));
    command.action((options: MonitorOptions) => {
      result = { command: spec.name, options };
    });
  }
  return { program, parsed: () => result };
}
