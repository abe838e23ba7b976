import type { CliEnv, CliProgram } from './cli-program.js';
import { UsageError } from './usage-error.js';

/**
 * Exit codes every command of the workspace uses: 0 done (help and `--version` too), 1 the work
 * failed, 2 the user has to fix the command line or the settings. Commands may add their own above
 * 2 (a signal's 128 + n).
 */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** Where a program reads and writes; injectable for tests. */
export interface ProgramIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: CliEnv;
}

/** What a program does with its parsed command line, and how its errors are told. */
export interface ProgramHandlers<P> {
  /** Does the work; resolves with the exit code. */
  run(parsed: P): Promise<number>;
  /** Errors besides {@link UsageError} that are the user's to fix (exit 2), e.g. a refused host key. */
  isUsageError?(error: unknown): boolean;
  /** The text of an error's line; by default its message. */
  describe?(error: unknown): string;
}

/**
 * Runs a program: parses `argv`, runs the command, and turns every error into one line on stderr,
 * `name: message`, never a stack, with exit code 2 for usage errors and 1 for the others.
 *
 * @example
 * ```ts
 * process.exitCode = await runProgram(program, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }, {
 *   run: async ({ options }) => (await work(options)) ? EXIT.OK : EXIT.FAILED,
 * });
 * ```
 */
export async function runProgram<P>(
  program: CliProgram<P>,
  argv: readonly string[],
  io: ProgramIo,
  handlers: ProgramHandlers<P>,
): Promise<number> {
  const say = (text: string) => io.stderr.write(`${program.name}: ${oneLine(text)}\n`);
  let parsed: P | undefined;
  try {
    parsed = program.parse(argv, { env: io.env, writeOut: (text) => io.stdout.write(text) });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(error.message);
    return EXIT.USAGE;
  }
  if (parsed === undefined) return EXIT.OK;
  try {
    return await handlers.run(parsed);
  } catch (error) {
    say(handlers.describe ? handlers.describe(error) : errorMessage(error));
    return error instanceof UsageError || handlers.isUsageError?.(error) === true ? EXIT.USAGE : EXIT.FAILED;
  }
}

/** An error's message, or the thrown value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}
