/**
 * A usage error of a monitor command (exit 2), with a one-line message: the flag, why, its value.
 *
 * @example
 * ```ts
 * throw new UsageError('Cannot use --lines as it must be a whole number: current value is "x"');
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}
