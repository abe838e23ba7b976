import { Command, Option } from 'commander';
import { COMMANDS, type CommandSpec, type DeployOptions } from './flags.js';

/** Program name shown in help and in error lines. */
export const PROGRAM_NAME = 'musicgen-deploy';

/** What the command line asked for. */
export interface ParsedCommand {
  readonly command: CommandSpec['name'];
  readonly options: DeployOptions;
  /** Flags for the batch (unknown to this program), in order. */
  readonly batchArgs: readonly string[];
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
 * program.parse(['run', '--prompts', 'p.txt', '--format=wav24'], { from: 'user' });
 * parsed(); // { command: 'run', options: { prompts: 'p.txt' }, batchArgs: ['--format=wav24'] }
 * ```
 */
export function buildProgram(writeOut: (text: string) => void): {
  program: Command;
  parsed: () => ParsedCommand | undefined;
} {
  let result: ParsedCommand | undefined;
  const program = new Command(PROGRAM_NAME)
    .description('Operate a GPU pod over SSH: deploy Triton, run batches on it.')
    .version('0.1.0', '--version', 'print the version')
    .helpOption('--help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut, writeErr: () => undefined, outputError: () => undefined })
    .addHelpText(
      'after',
      '\nSettings come from .env and the environment (RUNPOD_HOST, RUNPOD_SSH_KEY, ...; see .env.template).\n' +
        'Exit codes: 0 done; 1 the pod or the run failed, or the connection did; 2 usage or configuration error.',
    );
  for (const spec of COMMANDS) {
    const command = program
      .command(spec.name)
      .description(spec.summary)
      .helpOption('--help', 'show this help')
      .exitOverride()
      .configureOutput({ writeOut, writeErr: () => undefined, outputError: () => undefined });
    for (const flag of spec.flags) command.addOption(new Option(flag.flags, describe(flag)));
    if (spec.batchFlags) command.allowUnknownOption(true).allowExcessArguments(true);
    command.action((options: DeployOptions, self: Command) => {
      result = { command: spec.name, options, batchArgs: spec.batchFlags ? [...self.args] : [] };
    });
  }
  return { program, parsed: () => result };
}
