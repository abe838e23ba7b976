import { formatActiveJob, formatBar, formatStatus } from './format-progress.js';
import type { ProgressModel, ProgressEvent } from './progress-model.js';

/** Options of {@link createTtyRenderer}. */
export interface TtyRendererOptions {
  /** Redraw period. Default 100 ms. */
  readonly intervalMs?: number;
  /** Most active-job lines shown under the bar. Default 8. */
  readonly maxJobLines?: number;
}

/** The part of a terminal stream the renderer uses. */
export interface TtyStream {
  write(text: string): unknown;
  readonly columns?: number | undefined;
}

const BAR_WIDTH = 24;

/**
 * Lays out the progress block: the overall bar and status, then one line per active job (at most
 * `maxJobLines`, then `... and N more`), each cut to `columns`.
 *
 * @example
 * ```ts
 * renderProgressBlock(progress.snapshot(), 80, 8).join('\n');
 * ```
 */
export function renderProgressBlock(
  snapshot: ReturnType<ProgressModel['snapshot']>,
  columns: number,
  maxJobLines: number,
): string[] {
  const lines = [`[${formatBar(snapshot.fractionDone, BAR_WIDTH)}] ${formatStatus(snapshot)}`];
  // Jobs at work first (generating, retrying, decoding, storing), then those waiting for a slot.
  const waiting = (job: { phase: string }) => (job.phase === 'waiting' ? 1 : 0);
  const active = [...snapshot.active].sort((a, b) => waiting(a) - waiting(b) || a.line - b.line);
  for (const job of active.slice(0, maxJobLines)) lines.push(`  ${formatActiveJob(job)}`);
  if (active.length > maxJobLines) lines.push(`  ... and ${active.length - maxJobLines} more`);
  return lines.map((line) =>
    line.length > columns - 1 ? line.slice(0, Math.max(1, columns - 2)) + '…' : line,
  );
}

function eventLine(event: ProgressEvent): string | undefined {
  switch (event.kind) {
    case 'finished':
      return event.status === 'failed'
        ? `line ${event.line} ${event.key}: failed: ${event.detail ?? ''}`
        : undefined;
    case 'retry':
      return `line ${event.line} ${event.key}: attempt ${event.attempt} failed (${event.error}); retrying in ${(event.delayMs / 1000).toFixed(1)} s`;
    case 'note':
      return event.message;
    default:
      return undefined;
  }
}

/**
 * Draws the progress block on a terminal and redraws it in place every `intervalMs` (ANSI cursor-up and
 * erase-below). Failures, retries and notes are printed above the block and stay on screen.
 *
 * @example
 * ```ts
 * const renderer = createTtyRenderer(progress, process.stderr);
 * // ... run ...
 * renderer.stop(); // draws the final state once more and stops
 * ```
 */
export function createTtyRenderer(
  model: ProgressModel,
  stream: TtyStream,
  options: TtyRendererOptions = {},
): { stop(): void } {
  const { intervalMs = 100, maxJobLines = 8 } = options;
  let drawn = 0;
  const erase = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}F\x1b[0J`);
    drawn = 0;
  };
  const draw = () => {
    const lines = renderProgressBlock(model.snapshot(), stream.columns || 80, maxJobLines);
    erase();
    stream.write(lines.join('\n') + '\n');
    drawn = lines.length;
  };
  const unsubscribe = model.subscribe((event) => {
    const line = eventLine(event);
    if (line === undefined) return;
    erase();
    stream.write(line + '\n');
    draw();
  });
  const timer = setInterval(draw, intervalMs);
  timer.unref();
  draw();
  return {
    stop() {
      clearInterval(timer);
      unsubscribe();
      draw();
      const last = drawn;
      // Keep the overall line, drop the per-job lines (no job is active any more).
      if (last > 1) stream.write(`\x1b[${last - 1}F\x1b[0J`);
      drawn = 0;
    },
  };
}
