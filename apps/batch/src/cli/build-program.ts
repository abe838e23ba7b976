import { Command, Option } from 'commander';
import { FLAGS, type CliOptions } from './flags.js';

/** Program name shown in help and in error lines. */
export const PROGRAM_NAME = 'musicgen-batch';

/**
 * The commander program built from {@link FLAGS}. It never exits or prints by itself: `parse` errors
 * throw `CommanderError` (the caller prints one line and exits 2); help goes to `writeOut`.
 *
 * @example
 * ```ts
 * const program = buildProgram((text) => process.stdout.write(text));
 * program.parse(['--prompts', 'p.txt'], { from: 'user' });
 * program.opts<CliOptions>().prompts; // 'p.txt'
 * ```
 */
export function buildProgram(writeOut: (text: string) => void): Command {
  const program = new Command(PROGRAM_NAME)
    .description(
      'Turn a prompts file into WAV files with MusicGen on NVIDIA Triton, stored in S3 or a local folder.\n' +
        'Re-running the same file generates only what is missing.',
    )
    .version('0.1.0', '--version', 'print the version')
    .helpOption('--help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut, writeErr: () => undefined, outputError: () => undefined })
    .addHelpText(
      'after',
      '\nExit codes: 0 all jobs generated or skipped; 1 a job failed or a line was invalid; 2 usage or\n' +
        'configuration error; 130/143 interrupted by SIGINT/SIGTERM (finished files are kept).\n' +
        'A 4th field on a prompt line overrides generation parameters: `calm piano ; 20 ; piano ; seed=7 guidance=4`.',
    );
  for (const flag of FLAGS) {
    const details = [
      flag.choices ? `choices: ${flag.choices.join(', ')}` : undefined,
      flag.defaultText ? `default: ${flag.defaultText}` : undefined,
    ].filter((d) => d !== undefined);
    const description = details.length > 0 ? `${flag.description} (${details.join('; ')})` : flag.description;
    program.addOption(new Option(flag.flags, description));
  }
  return program;
}

export type { CliOptions };
