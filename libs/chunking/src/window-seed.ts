const GOLDEN_RATIO_32 = 0x9e3779b9;
const FMIX_MULTIPLIER_1 = 0x85ebca6b;
const FMIX_MULTIPLIER_2 = 0xc2b2ae35;
const UINT32_MAX = 0xffffffff;

/**
 * Derives the sampling seed of one generation window from the job seed (both uint32).
 *
 * Window 0 uses the job seed itself, so a job of up to 30 s is reproducible from its seed alone. Window
 * `i >= 1` uses `fmix32((seed + i * 0x9e3779b9) mod 2^32)`, where `fmix32` is MurmurHash3's 32-bit
 * finaliser (`h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13; h *= 0xc2b2ae35; h ^= h >>> 16`, all
 * multiplications modulo 2^32). For a fixed index the mapping is a bijection on uint32, so different job
 * seeds never share a window seed at the same index.
 *
 * @example
 * ```ts
 * import { windowSeed } from '@musicgen/chunking';
 * windowSeed(42, 0); // 42
 * windowSeed(42, 1); // 939911724
 * ```
 *
 * @throws {RangeError} when `seed` is not a uint32 or `index` not a non-negative integer.
 */
export function windowSeed(seed: number, index: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > UINT32_MAX) {
    throw new RangeError(
      `Cannot derive a window seed: seed must be an integer from 0 to ${UINT32_MAX}: got ${seed}`,
    );
  }
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`Cannot derive a window seed: index must be a non-negative integer: got ${index}`);
  }
  if (index === 0) return seed;
  let h = (seed + Math.imul(index, GOLDEN_RATIO_32)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, FMIX_MULTIPLIER_1);
  h ^= h >>> 13;
  h = Math.imul(h, FMIX_MULTIPLIER_2);
  h ^= h >>> 16;
  return h >>> 0;
}
