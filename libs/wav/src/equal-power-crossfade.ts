/**
 * Joins two mono segments that overlap by `overlapSamples` samples with an equal-power (sine/cosine)
 * crossfade, as when audio is decoded in overlapping segments.
 *
 * The result has `a.length + b.length - overlapSamples` samples: `a` without its last `overlapSamples`
 * samples, then the overlap, then `b` without its first `overlapSamples` samples. In the overlap, sample
 * `i` (0-based) is `a[a.length - N + i] * cos(θ) + b[i] * sin(θ)` with `N = overlapSamples` and
 * `θ = (π / 2) * (i + 0.5) / N` (midpoint sampling: the curve is symmetric, `a`'s gain at `i` equals `b`'s at
 * `N - 1 - i`, and neither gain is ever exactly 0 or 1 inside the overlap). Because cos²θ + sin²θ = 1,
 * uncorrelated signals keep their power through the join. `overlapSamples = 0` concatenates.
 *
 * The inputs are not modified. Arithmetic is in double precision, rounded once to float32 per sample.
 *
 * @example
 * ```ts
 * import { equalPowerCrossfade } from '@musicgen/wav';
 * const joined = equalPowerCrossfade(new Float32Array([1, 1, 1]), new Float32Array([0, 0, 0]), 1);
 * // joined.length === 5; joined[2] === Math.fround(Math.SQRT1_2)
 * ```
 *
 * @throws {RangeError} when `overlapSamples` is not an integer in 0..min(a.length, b.length).
 */
export function equalPowerCrossfade(a: Float32Array, b: Float32Array, overlapSamples: number): Float32Array {
  const maxOverlap = Math.min(a.length, b.length);
  if (!Number.isInteger(overlapSamples) || overlapSamples < 0 || overlapSamples > maxOverlap) {
    throw new RangeError(
      `Cannot crossfade: overlapSamples must be an integer from 0 to min(a.length, b.length) = ${maxOverlap}: got ${overlapSamples}`,
    );
  }
  const n = overlapSamples;
  const headLength = a.length - n;
  const out = new Float32Array(headLength + b.length);
  out.set(a.subarray(0, headLength), 0);
  const step = Math.PI / 2 / n;
  for (let i = 0; i < n; i++) {
    const theta = (i + 0.5) * step;
    out[headLength + i] =
      (a[headLength + i] as number) * Math.cos(theta) + (b[i] as number) * Math.sin(theta);
  }
  out.set(b.subarray(n), headLength + n);
  return out;
}
