import { CODE_MAX, CODE_MIN, CODEBOOKS } from './codec.js';

/**
 * MusicGen codes: {@link CODEBOOKS} codebooks × `frames`, codebook-major (`data[c * frames + f]`),
 * values {@link CODE_MIN}..{@link CODE_MAX}, without the delay pattern.
 *
 * @example
 * ```ts
 * const silence: Codes = { frames: 50, data: new Int32Array(CODEBOOKS * 50) };
 * ```
 */
export interface Codes {
  readonly frames: number;
  readonly data: Int32Array;
}

/**
 * Copies `count` frames of every codebook from `source` (starting at frame `from`) into `target`
 * (starting at frame `to`). Both are codebook-major; `sourceFrames` and `targetFrames` are their widths.
 *
 * @example
 * ```ts
 * // place a window's codes at frame 1500 of a job's codes
 * copyCodeFrames(window.data, window.frames, 0, job.data, job.frames, 1500, window.frames);
 * ```
 */
export function copyCodeFrames(
  source: Int32Array,
  sourceFrames: number,
  from: number,
  target: Int32Array,
  targetFrames: number,
  to: number,
  count: number,
): void {
  for (let c = 0; c < CODEBOOKS; c++) {
    const start = c * sourceFrames + from;
    target.set(source.subarray(start, start + count), c * targetFrames + to);
  }
}

/**
 * The frames `[start, end)` of codes, as new codes.
 *
 * @example
 * ```ts
 * sliceCodes(codes, codes.frames - 600, codes.frames); // the last 12 s, e.g. as PROMPT_CODES
 * ```
 */
export function sliceCodes(codes: Codes, start: number, end: number): Codes {
  const frames = end - start;
  const data = new Int32Array(CODEBOOKS * frames);
  copyCodeFrames(codes.data, codes.frames, start, data, frames, 0, frames);
  return { frames, data };
}

/**
 * Joins codes along the frame axis.
 *
 * @example
 * ```ts
 * concatCodes([first, second]).frames; // first.frames + second.frames
 * ```
 */
export function concatCodes(parts: readonly Codes[]): Codes {
  let frames = 0;
  for (const part of parts) frames += part.frames;
  const data = new Int32Array(CODEBOOKS * frames);
  let offset = 0;
  for (const part of parts) {
    copyCodeFrames(part.data, part.frames, 0, data, frames, offset, part.frames);
    offset += part.frames;
  }
  return { frames, data };
}

/**
 * Why `codes` are not well formed (integer `frames` >= `minFrames`, `CODEBOOKS × frames` values, each in
 * {@link CODE_MIN}..{@link CODE_MAX}), or undefined when they are.
 *
 * @example
 * ```ts
 * codesProblem({ frames: 1, data: Int32Array.of(0, 1, 2, 4096) });
 * // 'value out of range 0..2047 at [3, 0]: got 4096'
 * ```
 */
export function codesProblem(codes: Codes, minFrames = 1): string | undefined {
  const { frames, data } = codes;
  if (!Number.isInteger(frames) || frames < minFrames) {
    return `must have at least ${minFrames} frame(s): got ${frames}`;
  }
  if (data.length !== CODEBOOKS * frames) {
    return `must hold ${CODEBOOKS} × ${frames} = ${CODEBOOKS * frames} codes: got ${data.length}`;
  }
  for (let i = 0; i < data.length; i++) {
    const value = data[i] as number;
    if (value < CODE_MIN || value > CODE_MAX) {
      return `value out of range ${CODE_MIN}..${CODE_MAX} at [${Math.floor(i / frames)}, ${i % frames}]: got ${value}`;
    }
  }
  return undefined;
}
