import { lineTime } from './line-time.js';

/** Options of {@link createLogFilter}. */
export interface LogFilterOptions {
  /** Only lines at or after this time; a line without a time has the time of the line before it. */
  readonly since?: Date | undefined;
  /** Only lines matching this regular expression. */
  readonly grep?: RegExp | undefined;
  /** Now, for lines whose time has no year. Default: the current time. */
  readonly now?: Date;
}

/**
 * A stateful filter for log lines of several files: `(file, line) => keep?`. Continuation lines (a
 * stack trace, a wrapped message) keep the time of the line that started them.
 *
 * @example
 * ```ts
 * const keep = createLogFilter({ grep: /error|fail/i });
 * keep('/workspace/musicgen/runs/songs/run.log', '2026-12-01T09:30:00Z 1 job failed'); // true
 * ```
 */
export function createLogFilter(options: LogFilterOptions): (file: string, line: string) => boolean {
  const pattern = options.grep;
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
