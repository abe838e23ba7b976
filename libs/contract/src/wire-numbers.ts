/**
 * The ranges of the wire's numeric datatypes. A number that one side accepts must mean the same on
 * the other: a float that FP32 cannot carry as a normal value (it would arrive as 0 or as a subnormal
 * that lost its precision) or an integer outside INT32 is refused where it is typed, not sent.
 *
 * @module
 */

/** The smallest positive normal FP32 value, 2^-126. */
export const FP32_MIN_NORMAL = 2 ** -126;
/** The largest finite FP32 value, (2 − 2^-23) × 2^127. */
export const FP32_MAX = (2 - 2 ** -23) * 2 ** 127;
/** The INT32 range. */
export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;

/**
 * Why `value` cannot travel as an FP32 tensor element and keep its meaning, or undefined when it can:
 * it must be finite, at most {@link FP32_MAX} in magnitude, and 0 or at least {@link FP32_MIN_NORMAL}
 * in magnitude (the ordinary rounding of a normal value to FP32 is fine).
 *
 * @example
 * ```ts
 * fp32Problem(0.9); // undefined
 * fp32Problem(1e-300); // 'must be 0 or at least 1.1754943508222875e-38 (smaller numbers …)'
 * ```
 */
export function fp32Problem(value: number): string | undefined {
  if (!Number.isFinite(value) || Math.abs(value) > FP32_MAX) {
    return `must be a finite number of at most ${FP32_MAX} in magnitude (the FP32 range)`;
  }
  if (value !== 0 && Math.abs(value) < FP32_MIN_NORMAL) {
    return `must be 0 or at least ${FP32_MIN_NORMAL} (smaller numbers are not normal FP32 values: they reach the model as 0 or lose their precision)`;
  }
  return undefined;
}

/**
 * Why `value` is not an INT32, or undefined when it is.
 *
 * @example
 * ```ts
 * int32Problem(2 ** 31); // 'must be an integer from -2147483648 to 2147483647 (the INT32 range)'
 * ```
 */
export function int32Problem(value: number): string | undefined {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
    ? undefined
    : `must be an integer from ${INT32_MIN} to ${INT32_MAX} (the INT32 range)`;
}
