import { UsageError } from '../monitor-error.js';
import { lineTime } from './line-time.js';

/** Options of {@link createLogFilter}. */
export interface LogFilterOptions {
  /** Only lines at or after this time; a line without a time has the time of the line before it. */
  readonly since?: Date | undefined;
  /** Only lines matching this regular expression (case-insensitive), as typed by the user. */
  readonly grep?: string | undefined;
  /** Now, for lines whose time has no year. Default: the current time. */
  readonly now?: Date;
}

/**
 * A stateful filter for log lines of several files: `(file, line) => keep?`. Continuation lines (a
 * stack trace, a wrapped message) keep the time of the line that started them.
 *
 * @example
 * ```ts
 * const keep = createLogFilter({ grep: 'error|fail' });
 * keep('/workspace/musicgen/runs/songs/run.log', '2026-12-01T09:30:00Z 1 job failed'); // true
 * ```
 *
 * @throws {UsageError} when `grep` is not a valid regular expression.
 */
export function createLogFilter(options: LogFilterOptions): (file: string, line: string) => boolean {
  let pattern: RegExp | undefined;
  if (options.grep !== undefined) {
    try {
      pattern = new RegExp(options.grep, 'i');
    } catch (error) {
      throw new UsageError(
        `Cannot use --grep as it is not a valid regular expression (${(error as Error).message}): current value is "${options.grep}"`,
      );
    }
  }
  const lastTime = new Map<string, Date | undefined>();
  return (file, line) => {
    if (options.since !== undefined) {
      const time = lineTime(line, options.now ?? new Date()) ?? lastTime.get(file);
      lastTime.set(file, time);
      if (time === undefined || time.getTime() < options.since.getTime()) return false;
    }
    return pattern === undefined || pattern.test(line);
  };
}
