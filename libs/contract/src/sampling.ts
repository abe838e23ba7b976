import { CODEBOOK_SIZE } from './codec.js';
import { fp32Problem, int32Problem } from './wire-numbers.js';

/** How the language model samples each code; the same four options on every side of the wire. */
export interface SamplingParameters {
  /** Classifier-free guidance scale (wire: GUIDANCE_SCALE); 1 disables the unconditional pass. */
  readonly guidance: number;
  /** Top-k sampling (wire: TOP_K); 0 disables it. */
  readonly topK: number;
  /** Nucleus sampling (wire: TOP_P); 0 disables it, and when > 0 it takes precedence over top-k. */
  readonly topP: number;
  /** Softmax temperature (wire: TEMPERATURE); 0 means greedy. */
  readonly temperature: number;
}

/** The name of one sampling option. */
export type SamplingName = keyof SamplingParameters;

/**
 * MusicGen's own defaults (audiocraft's `set_generation_params`), applied by the server when an option
 * is absent: guidance 3, top-k 250, top-p 0, temperature 1.
 */
export const DEFAULT_SAMPLING: SamplingParameters = Object.freeze({
  guidance: 3,
  topK: 250,
  topP: 0,
  temperature: 1,
});

/** The accepted range of one sampling option (inclusive). */
export interface SamplingLimit {
  readonly min: number;
  readonly max: number;
  /** Whether only integers are accepted. */
  readonly integer: boolean;
}

/**
 * Accepted ranges, enforced identically by the server, the client, the preview engine and the prompts
 * parser. Top-k above the codebook size would mean nothing; guidance and temperature above 100 only
 * come from typing mistakes.
 */
export const SAMPLING_LIMITS: Readonly<Record<SamplingName, SamplingLimit>> = Object.freeze({
  guidance: Object.freeze({ min: 0, max: 100, integer: false }),
  topK: Object.freeze({ min: 0, max: CODEBOOK_SIZE, integer: true }),
  topP: Object.freeze({ min: 0, max: 1, integer: false }),
  temperature: Object.freeze({ min: 0, max: 100, integer: false }),
});

/** The sampling options in their canonical order. */
export const SAMPLING_NAMES: readonly SamplingName[] = Object.freeze([
  'guidance',
  'topK',
  'topP',
  'temperature',
]);

/**
 * Why `value` is not valid for the sampling option `name`, or undefined when it is: within
 * {@link SAMPLING_LIMITS}, and carried by its wire datatype without losing its meaning (integers are
 * INT32; the others FP32, where a nonzero value below the smallest normal FP32 number is refused
 * rather than silently becoming 0: `top_p=1e-300` would turn top-p off).
 *
 * @example
 * ```ts
 * samplingProblem('topK', 4096); // 'must be an integer from 0 to 2048'
 * samplingProblem('guidance', 3.5); // undefined
 * samplingProblem('topP', 1e-300); // 'must be 0 or at least 1.1754943508222875e-38 (smaller numbers …)'
 * ```
 */
export function samplingProblem(name: SamplingName, value: number): string | undefined {
  const { min, max, integer } = SAMPLING_LIMITS[name];
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= min &&
    value <= max &&
    (!integer || Number.isInteger(value));
  if (!ok) return `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
  return integer ? int32Problem(value) : fp32Problem(value);
}

/**
 * Checks every option present in `params`.
 *
 * @example
 * ```ts
 * checkSampling({ guidance: 3, topK: -1 });
 * // throws RangeError: Cannot use the sampling options as topK must be an integer from 0 to 2048: current value is -1
 * ```
 *
 * @throws {RangeError} naming the first bad option and its value.
 */
export function checkSampling(params: Partial<SamplingParameters>): void {
  for (const name of SAMPLING_NAMES) {
    const value = params[name];
    if (value === undefined) continue;
    const problem = samplingProblem(name, value);
    if (problem !== undefined) {
      throw new RangeError(
        `Cannot use the sampling options as ${name} ${problem}: current value is ${value}`,
      );
    }
  }
}

/** Largest job seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffffffff;

/**
 * Why `value` is not a valid job seed, or undefined when it is.
 *
 * @example
 * ```ts
 * seedProblem(-1); // 'must be an integer from 0 to 4294967295'
 * ```
 */
export function seedProblem(value: number): string | undefined {
  return Number.isInteger(value) && value >= 0 && value <= MAX_SEED
    ? undefined
    : `must be an integer from 0 to ${MAX_SEED}`;
}
