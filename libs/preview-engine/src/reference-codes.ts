import { DEFAULT_SAMPLING, type Codes } from '@musicgen/contract';
import { generateReferenceCodes } from './code-generator.js';

/** A `musicgen_lm` request in the terms of the contract; absent fields take the contract's defaults. */
export interface PreviewWindowRequest {
  text: string;
  frames: number;
  /** Context codes, codebook-major `[4, frames]`. */
  promptCodes?: Codes;
  /** Absent means 0: the preview engine is deterministic even without a seed. */
  seed?: bigint | number;
  guidance?: number;
  topK?: number;
  topP?: number;
  temperature?: number;
}

/**
 * The codes the preview engine streams for a request, concatenated: `{ frames, data }` with `data`
 * codebook-major `[4, frames]`. Float inputs are rounded to FP32 first, as they travel.
 *
 * @example
 * ```ts
 * const expected = previewReferenceCodes({ text: 'calm lofi piano', frames: 500, seed: 7n });
 * expect(await musicgen.generateWindow({ text: 'calm lofi piano', frames: 500, seed: 7n })).toEqual(expected);
 * ```
 */
export function previewReferenceCodes(request: PreviewWindowRequest): Codes {
  const data = generateReferenceCodes(
    {
      text: request.text,
      promptCodes: request.promptCodes?.data ?? new Int32Array(0),
      promptFrames: request.promptCodes?.frames ?? 0,
      seed: BigInt(request.seed ?? 0),
      guidanceScale: Math.fround(request.guidance ?? DEFAULT_SAMPLING.guidance),
      topK: request.topK ?? DEFAULT_SAMPLING.topK,
      topP: Math.fround(request.topP ?? DEFAULT_SAMPLING.topP),
      temperature: Math.fround(request.temperature ?? DEFAULT_SAMPLING.temperature),
    },
    request.frames,
  );
  return { frames: request.frames, data };
}
