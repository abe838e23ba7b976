import { planWindows } from '@musicgen/chunking';
import { CODEBOOKS, copyCodeFrames, sliceCodes, type Codes } from '@musicgen/contract';
import type { PromptJob } from '@musicgen/prompts';
import { retryWithBackoff } from '@musicgen/triton-client';
import { describeError, isRetryableError } from './retryable-error.js';
import type { JobContext } from './run-job.js';
import { windowRequest } from './window-request.js';

/** What {@link generateTake} reports back to its job as it goes. */
export interface TakeEvents {
  /** A window attempt failed and is retried. */
  readonly onRetry: () => void;
  /** The server read fewer prompt tokens than the prompt has. */
  readonly onTextTokens: (tokens: { prompt: number; read: number }) => void;
}

/**
 * Generates one take of a job: plans its windows from the take's seed and generates them one after the
 * other (each continuing from the previous window's last frames), each window holding a scheduler slot
 * and retried with backoff. Resolves with the take's whole code sequence.
 *
 * @example
 * ```ts
 * const codes = await generateTake({ ...job, seed: 8 }, 0, context, { onRetry, onTextTokens });
 * ```
 */
export async function generateTake(
  take: PromptJob,
  order: number,
  context: JobContext,
  events: TakeEvents,
): Promise<Codes> {
  const { progress, signal } = context;
  const plan = planWindows(take.frames, take.seed);
  const codes: Codes = { frames: take.frames, data: new Int32Array(CODEBOOKS * take.frames) };
  const framesDone = (frames: number) => progress.framesDone(take.line, frames);
  for (const window of plan.windows) {
    const promptCodes =
      window.contextFrames > 0
        ? sliceCodes(codes, window.startFrame - window.contextFrames, window.startFrame)
        : undefined;
    const windowCodes = await retryWithBackoff(
      async () => {
        progress.phase(take.line, 'waiting', window.index);
        const release = await context.scheduler.acquire(order, signal);
        try {
          progress.phase(take.line, 'generating', window.index);
          const deadline = context.speed?.deadlineMs(window.newFrames);
          let generatingSince: number | undefined;
          const result = await context.backend.generateWindow({
            ...windowRequest(take, window, promptCodes),
            signal,
            ...(deadline === undefined ? {} : { generationDeadlineMs: deadline }),
            onProgress: ({ framesDone: done, queuePosition, textTokens }) => {
              if (generatingSince === undefined && (queuePosition ?? 0) === 0) {
                generatingSince = performance.now();
              }
              if (textTokens !== undefined) events.onTextTokens(textTokens);
              framesDone(window.startFrame + done);
            },
          });
          if (generatingSince !== undefined) {
            context.speed?.record(window.newFrames, performance.now() - generatingSince);
          }
          return result;
        } finally {
          release();
        }
      },
      {
        ...context.retry,
        signal,
        shouldRetry: isRetryableError,
        onRetry: ({ attempt, error, delayMs }) => {
          events.onRetry();
          progress.retrying(take.line, attempt, delayMs, describeError(error));
        },
      },
    );
    copyCodeFrames(
      windowCodes.data,
      windowCodes.frames,
      0,
      codes.data,
      take.frames,
      window.startFrame,
      windowCodes.frames,
    );
    framesDone(window.startFrame + window.newFrames);
    context.onWindow?.({ job: take, window: window.index, promptCodes, codes: windowCodes });
  }
  return codes;
}
