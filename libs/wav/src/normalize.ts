import { planNormalization, type NormalizationOptions } from './normalization-meter.js';

/**
 * Returns normalised copies of `channels` (the input is not modified): plans the gain with
 * {@link planNormalization}, then multiplies by it and clamps to the plan's limit (NaN becomes 0).
 *
 * @example
 * ```ts
 * import { normalize } from '@musicgen/wav';
 * const [out] = normalize([Float32Array.of(0.5, -0.25)]); // peak to -1 dBFS: [0.891…, -0.445…]
 * ```
 *
 * @throws {RangeError} for invalid options or non-finite samples (see {@link NormalizationMeter}).
 */
export function normalize(
  channels: readonly Float32Array[],
  options: NormalizationOptions = {},
): Float32Array[] {
  const { gain, limit } = planNormalization(channels, options);
  return channels.map((channel) =>
    channel.map((sample) => {
      const x = sample * gain;
      return x > limit ? limit : x < -limit ? -limit : x === x ? x : 0;
    }),
  );
}
