import { CODE_MAX, CODE_MIN, CODEBOOKS } from './contract.js';

/**
 * MusicGen codes: {@link CODEBOOKS} codebooks × `frames`, codebook-major (`data[c * frames + f]`),
 * values {@link CODE_MIN}..{@link CODE_MAX}.
 *
 * @example
 * ```ts
 * const silence: Codes = { frames: 50, data: new Int32Array(4 * 50) };
 * ```
 */
export interface Codes {
  readonly frames: number;
  readonly data: Int32Array;
}

/**
 * Checks that codes are well formed: integer `frames` >= `minFrames`, `data.length === 4 × frames`,
 * every value in 0..2047.
 *
 * @throws {RangeError} starting with `action`, naming the problem and the value.
 */
export function validateCodes(codes: Codes, action: string, label: string, minFrames = 1): void {
  const { frames, data } = codes;
  if (!Number.isInteger(frames) || frames < minFrames) {
    throw new RangeError(`${action}: ${label} must have at least ${minFrames} frame(s): got ${frames}`);
  }
  if (data.length !== CODEBOOKS * frames) {
    throw new RangeError(
      `${action}: ${label} must hold ${CODEBOOKS} × ${frames} = ${CODEBOOKS * frames} codes: got ${data.length}`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    const value = data[i] as number;
    if (value < CODE_MIN || value > CODE_MAX) {
      const at = `[${Math.floor(i / frames)}, ${i % frames}]`;
      throw new RangeError(
        `${action}: ${label} value out of range ${CODE_MIN}..${CODE_MAX} at ${at}: got ${value}`,
      );
    }
  }
}

/**
 * The frames `[start, end)` of codes, as new codes.
 *
 * @example
 * ```ts
 * sliceCodes(codes, 600, codes.frames); // the last frames, e.g. as PROMPT_CODES
 * ```
 */
export function sliceCodes(codes: Codes, start: number, end: number): Codes {
  const frames = end - start;
  const data = new Int32Array(CODEBOOKS * frames);
  for (let c = 0; c < CODEBOOKS; c++) {
    data.set(codes.data.subarray(c * codes.frames + start, c * codes.frames + end), c * frames);
  }
  return { frames, data };
}

/** Joins codes along the frame axis. */
export function concatCodes(parts: readonly Codes[]): Codes {
  let frames = 0;
  for (const part of parts) frames += part.frames;
  const data = new Int32Array(CODEBOOKS * frames);
  let offset = 0;
  for (const part of parts) {
    for (let c = 0; c < CODEBOOKS; c++) {
      data.set(part.data.subarray(c * part.frames, (c + 1) * part.frames), c * frames + offset);
    }
    offset += part.frames;
  }
  return { frames, data };
}
