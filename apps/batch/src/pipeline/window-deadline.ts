/** The shortest generation deadline of a window, whatever the measured speed. */
export const GENERATION_DEADLINE_FLOOR_MS = 60_000;
/** How many times the expected generation time a window may take before it is given up. */
export const GENERATION_DEADLINE_SLACK = 4;
/** Weight of the latest window in the running mean of the speed. */
const SPEED_SMOOTHING = 0.3;

/**
 * The speed windows generate at on this run's servers, measured from the first sign that a window is
 * generating (QUEUE_POSITION 0, or the first response of an older server) to its last frame, and the
 * deadline it gives the next window: {@link GENERATION_DEADLINE_SLACK} times the time its frames take at
 * that speed, and at least {@link GENERATION_DEADLINE_FLOOR_MS}. Before any window was measured there
 * is no deadline: the first windows also pay for warm-up (CUDA graphs captured on first use).
 *
 * @example
 * ```ts
 * const speed = new GenerationSpeed();
 * speed.record(1500, 30_000); // 50 frames/s
 * speed.deadlineMs(1500); // 120 000
 * ```
 */
export class GenerationSpeed {
  #framesPerSecond: number | undefined;

  /** Frames per second per window, a running mean; undefined before the first window. */
  get framesPerSecond(): number | undefined {
    return this.#framesPerSecond;
  }

  /** Records one finished window: `frames` generated in `ms` from its first sign of generating. */
  record(frames: number, ms: number): void {
    if (!(frames > 0 && ms > 0)) return;
    const speed = (frames * 1000) / ms;
    this.#framesPerSecond =
      this.#framesPerSecond === undefined
        ? speed
        : this.#framesPerSecond + SPEED_SMOOTHING * (speed - this.#framesPerSecond);
  }

  /** The generation deadline of a window of `frames` new frames, in ms, or undefined before any measurement. */
  deadlineMs(frames: number): number | undefined {
    if (this.#framesPerSecond === undefined) return undefined;
    const expected = (frames * 1000) / this.#framesPerSecond;
    return Math.max(GENERATION_DEADLINE_FLOOR_MS, Math.ceil(GENERATION_DEADLINE_SLACK * expected));
  }
}
