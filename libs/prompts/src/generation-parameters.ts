import { DEFAULT_MODEL_ID, DEFAULT_SAMPLING, type SamplingParameters } from '@musicgen/contract';

/** Sampling parameters sent with every generation request (`SamplingParameters` of the contract). */
export type GenerationParameters = SamplingParameters;

/** Model id plus sampling parameters: what every job gets unless its line overrides a parameter. */
export interface GenerationDefaults extends GenerationParameters {
  /** Model the audio is made with, e.g. `facebook/musicgen-medium`. Part of every job's identity. */
  readonly modelId: string;
}

/**
 * The contract's defaults: `facebook/musicgen-medium` with MusicGen's own sampling (guidance 3,
 * top-k 250, top-p 0, temperature 1).
 *
 * @example
 * ```ts
 * import { DEFAULT_GENERATION } from '@musicgen/prompts';
 * DEFAULT_GENERATION.topK; // 250
 * ```
 */
export const DEFAULT_GENERATION: GenerationDefaults = Object.freeze({
  modelId: DEFAULT_MODEL_ID,
  ...DEFAULT_SAMPLING,
});
