import { formatStatus } from './format-progress.js';
import type { ProgressEvent, ProgressModel } from './progress-model.js';

/** Options of {@link createLogRenderer}. */
export interface LogRendererOptions {
  /** Period of the overall status line. Default 10 000 ms. */
  readonly statusIntervalMs?: number;
  /** Wall clock for the timestamps. Default `() => new Date()`. */
  readonly clock?: () => Date;
}

function describe(event: ProgressEvent): string {
  switch (event.kind) {
    case 'started': {
      const w = event.job.windows > 1 ? ` in ${event.job.windows} windows` : '';
      return `line ${event.job.line} ${event.job.key}: started, ${event.job.frames} frames${w}`;
    }
    case 'finished':
      return `line ${event.line} ${event.key}: ${event.status}${event.detail ? `: ${event.detail}` : ''}`;
    case 'retry':
      return `line ${event.line} ${event.key}: attempt ${event.attempt} failed (${event.error}); retrying in ${(event.delayMs / 1000).toFixed(1)} s`;
    case 'note':
      return event.message;
  }
}

/**
 * Plain timestamped log lines for non-terminal output (CI logs, files): one line per job start, end,
 * retry and note, plus the overall status every `statusIntervalMs`.
 *
 * @example
 * ```ts
 * const renderer = createLogRenderer(progress, process.stderr);
 * // 2026-11-28T10:04:07.123Z line 3 calm_1a2b3c4d.wav: generated (8.0 s audio)
 * renderer.stop();
 * ```
 */
export function createLogRenderer(
  model: ProgressModel,
  stream: { write(text: string): unknown },
  options: LogRendererOptions = {},
): { stop(): void } {
  const { statusIntervalMs = 10_000, clock = () => new Date() } = options;
  const log = (text: string) => stream.write(`${clock().toISOString()} ${text}\n`);
  const unsubscribe = model.subscribe((event) => log(describe(event)));
  const timer = setInterval(() => log(`progress: ${formatStatus(model.snapshot())}`), statusIntervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
