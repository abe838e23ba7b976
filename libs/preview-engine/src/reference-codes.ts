import { GENERATION_DEFAULTS } from '@musicgen/triton-client';
import { generateReferenceCodes } from './code-generator.js';

/** A `musicgen_lm` request in the terms of the contract; absent fields take the contract's defaults. */
export interface PreviewWindowRequest {
  text: string;
  frames: number;
  /** Context codes, codebook-major `[4, frames]`. */
  promptCodes?: { frames: number; data: Int32Array };
  /** Absent means 0: the preview engine is deterministic even without a seed. */
  seed?: bigint | number;
  guidanceScale?: number;
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
export function previewReferenceCodes(request: PreviewWindowRequest): { frames: number; data: Int32Array } {
  const data = generateReferenceCodes(
    {
      text: request.text,
      promptCodes: request.promptCodes?.data ?? new Int32Array(0),
      promptFrames: request.promptCodes?.frames ?? 0,
      seed: BigInt(request.seed ?? 0),
      guidanceScale: Math.fround(request.guidanceScale ?? GENERATION_DEFAULTS.guidanceScale),
      topK: request.topK ?? GENERATION_DEFAULTS.topK,
      topP: Math.fround(request.topP ?? GENERATION_DEFAULTS.topP),
      temperature: Math.fround(request.temperature ?? GENERATION_DEFAULTS.temperature),
    },
    request.frames,
  );
  return { frames: request.frames, data };
}
