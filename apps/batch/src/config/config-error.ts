/**
 * A usage or configuration problem found before any work starts. The message is one line, shown as
 * is; the CLI exits with code 2.
 *
 * @example
 * ```ts
 * throw new ConfigError('Cannot use --concurrency: must be an integer from 1 to 1024: got "0"');
 * ```
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG';
}
