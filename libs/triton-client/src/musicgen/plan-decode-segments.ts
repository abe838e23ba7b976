/** One segment of a segmented decode: frames `[start, end)`. */
export interface DecodeSegment {
  readonly start: number;
  readonly end: number;
}

/**
 * Splits `frames` into segments of at most `maxFrames` that overlap by `overlapFrames`: each segment
 * starts `maxFrames - overlapFrames` after the previous one, and the last ends at `frames`. Every
 * segment after the first is longer than the overlap.
 *
 * @throws {RangeError} when `maxFrames` is not a positive integer or the overlap is not an integer in
 *   0..maxFrames / 2.
 *
 * @example
 * ```ts
 * planDecodeSegments(130, 50, 10);
 * // [{ start: 0, end: 50 }, { start: 40, end: 90 }, { start: 80, end: 130 }]
 * ```
 */
export function planDecodeSegments(
  frames: number,
  maxFrames: number,
  overlapFrames: number,
): DecodeSegment[] {
  if (!Number.isInteger(maxFrames) || maxFrames < 1) {
    throw new RangeError(
      `Cannot plan decode segments: max_frames must be a positive integer: got ${maxFrames}`,
    );
  }
  if (!Number.isInteger(overlapFrames) || overlapFrames < 0 || overlapFrames * 2 > maxFrames) {
    throw new RangeError(
      `Cannot plan decode segments: overlap must be an integer from 0 to max_frames / 2 = ${Math.floor(maxFrames / 2)}: got ${overlapFrames}`,
    );
  }
  const segments: DecodeSegment[] = [];
  const step = maxFrames - overlapFrames;
  for (let start = 0; ; start += step) {
    const end = Math.min(start + maxFrames, frames);
    segments.push({ start, end });
    if (end === frames) return segments;
  }
}
