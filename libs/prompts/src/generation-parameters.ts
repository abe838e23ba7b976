/** Sampling parameters sent with every generation request (see the model contract). */
export interface GenerationParameters {
  /** Classifier-free guidance scale; 1 disables the unconditional pass. */
  readonly guidance: number;
  /** Top-k sampling, 0 disables it (0..2048). */
  readonly topK: number;
  /** Nucleus sampling, 0 disables it; when > 0 it takes precedence over top-k (0..1). */
  readonly topP: number;
  /** Softmax temperature; 0 means greedy. */
  readonly temperature: number;
}

/** Model id plus sampling parameters: what every job gets unless its line overrides a parameter. */
export interface GenerationDefaults extends GenerationParameters {
  /** Model the audio is made with, e.g. `facebook/musicgen-medium`. Part of every job's identity. */
  readonly modelId: string;
}

/**
 * MusicGen's own defaults (audiocraft `set_generation_params`): guidance 3, top-k 250, top-p 0,
 * temperature 1, on `facebook/musicgen-medium`.
 *
 * @example
 * ```ts
 * import { DEFAULT_GENERATION } from '@musicgen/prompts';
 * DEFAULT_GENERATION.topK; // 250
 * ```
 */
export const DEFAULT_GENERATION: GenerationDefaults = Object.freeze({
  modelId: 'facebook/musicgen-medium',
  guidance: 3,
  topK: 250,
  topP: 0,
  temperature: 1,
});

/** Largest top-k that means anything: the size of one EnCodec codebook. */
export const MAX_TOP_K = 2048;
/** Largest seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffffffff;

/** Why `value` is not a valid guidance scale, or undefined when it is. */
export function guidanceProblem(value: number): string | undefined {
  return Number.isFinite(value) && value >= 0 ? undefined : 'must be a number >= 0';
}

/** Why `value` is not a valid top-k, or undefined when it is. */
export function topKProblem(value: number): string | undefined {
  return Number.isInteger(value) && value >= 0 && value <= MAX_TOP_K
    ? undefined
    : `must be an integer from 0 to ${MAX_TOP_K}`;
}

/** Why `value` is not a valid top-p, or undefined when it is. */
export function topPProblem(value: number): string | undefined {
  return Number.isFinite(value) && value >= 0 && value <= 1 ? undefined : 'must be a number from 0 to 1';
}

/** Why `value` is not a valid temperature, or undefined when it is. */
export function temperatureProblem(value: number): string | undefined {
  return Number.isFinite(value) && value >= 0 ? undefined : 'must be a number >= 0';
}

/** Why `value` is not a valid seed, or undefined when it is. */
export function seedProblem(value: number): string | undefined {
  return Number.isInteger(value) && value >= 0 && value <= MAX_SEED
    ? undefined
    : `must be an integer from 0 to ${MAX_SEED}`;
}
