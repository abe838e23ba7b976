/**
 * A mistake on the command line or in the settings, for the user to fix: the message is one line
 * that says what to change, and the command exits with code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('Cannot use --lines as it must be an integer >= 0: current value is "-3"');
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}
