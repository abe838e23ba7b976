import { status } from '@grpc/grpc-js';
import { MUSICGEN_LM } from '@musicgen/contract';
import { TritonError } from '../errors/triton-error.js';

/** Options of {@link WindowWatch}; a limit left out (or 0) is not watched. */
export interface WindowWatchOptions {
  /** Fail when no response arrives for this long, in ms (contract v1.2 servers answer at least every `liveness_interval_ms`). */
  readonly livenessTimeoutMs?: number | undefined;
  /** Fail when the window is not finished this long after its first sign of generating, in ms. */
  readonly generationDeadlineMs?: number | undefined;
  /** Frames of the window, for the message. */
  readonly frames: number;
  /** The caller's signal; its abort is passed on. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Watches one window on the stream and aborts its `signal` with a DEADLINE_EXCEEDED {@link TritonError}
 * when the server goes silent for longer than `livenessTimeoutMs`, or when the window is not finished
 * `generationDeadlineMs` after the first response that shows it generating (QUEUE_POSITION 0, or any
 * response of a server older than contract v1.2). Time spent waiting in the server's queue counts only
 * against the liveness timeout: a busy server that keeps answering is not a dead one.
 *
 * A timer that fires checks again after the event loop has read what arrived meanwhile, so a busy
 * client process does not mistake its own delay for the server's silence.
 *
 * @example
 * ```ts
 * const watch = new WindowWatch({ livenessTimeoutMs: 10_000, generationDeadlineMs: 120_000, frames: 1500 });
 * await client.streamInfer(request, { signal: watch.signal, onResponse: (r) => watch.response(position(r)) });
 * watch.close();
 * ```
 */
export class WindowWatch {
  readonly #controller = new AbortController();
  readonly #options: WindowWatchOptions;
  #lastResponse = performance.now();
  #liveness: NodeJS.Timeout | undefined;
  #generation: NodeJS.Timeout | undefined;
  #generating = false;
  readonly #onAbort = (): void => this.#abort(this.#options.signal?.reason);

  constructor(options: WindowWatchOptions) {
    this.#options = options;
    const { signal, livenessTimeoutMs } = options;
    if (signal?.aborted) this.#controller.abort(signal.reason);
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (livenessTimeoutMs) this.#armLiveness(livenessTimeoutMs);
  }

  /** Aborts when a limit is passed or the caller's signal aborts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Records a response; `queuePosition` is its QUEUE_POSITION (undefined from servers older than v1.2). */
  response(queuePosition: number | undefined): void {
    this.#lastResponse = performance.now();
    const { generationDeadlineMs, frames } = this.#options;
    if (this.#generating || (queuePosition ?? 0) !== 0) return;
    this.#generating = true;
    if (!generationDeadlineMs) return;
    this.#generation = setTimeout(() => {
      this.#abort(
        deadline(
          `window of ${frames} frames not finished ${generationDeadlineMs} ms after it started generating`,
        ),
      );
    }, generationDeadlineMs);
  }

  /** Stops watching (call once the window settled). */
  close(): void {
    clearTimeout(this.#liveness);
    clearTimeout(this.#generation);
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
  }

  #armLiveness(delayMs: number): void {
    this.#liveness = setTimeout(() => {
      // read what arrived while this process was busy before calling the server silent
      setImmediate(() => {
        if (this.#controller.signal.aborted) return;
        const timeout = this.#options.livenessTimeoutMs as number;
        const silent = performance.now() - this.#lastResponse;
        if (silent < timeout) {
          this.#armLiveness(timeout - silent);
          return;
        }
        this.#abort(
          deadline(
            `no response within ${timeout} ms: the server stopped answering (frozen, overloaded or cut off)`,
          ),
        );
      });
    }, delayMs);
  }

  #abort(reason: unknown): void {
    this.close();
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }
}

function deadline(details: string): TritonError {
  return new TritonError({
    code: status.DEADLINE_EXCEEDED,
    details,
    rpc: 'ModelStreamInfer',
    model: MUSICGEN_LM,
  });
}
