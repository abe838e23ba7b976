import { describe, expect, it } from 'vitest';
import {
  FP32_MAX,
  FP32_MIN_NORMAL,
  fp32Problem,
  INT32_MAX,
  INT32_MIN,
  int32Problem,
} from './wire-numbers.js';

const RANGE = `must be a finite number of at most ${FP32_MAX} in magnitude (the FP32 range)`;
const TOO_SMALL =
  'must be 0 or at least 1.1754943508222875e-38 (smaller numbers are not normal FP32 values: they reach the model as 0 or lose their precision)';

describe('the wire datatypes', () => {
  it('are the IEEE and two-complement limits', () => {
    expect([FP32_MIN_NORMAL, FP32_MAX, INT32_MIN, INT32_MAX]).toEqual([
      1.1754943508222875e-38, 3.4028234663852886e38, -2147483648, 2147483647,
    ]);
    expect(Math.fround(FP32_MAX)).toBe(FP32_MAX);
    expect(Math.fround(FP32_MIN_NORMAL)).toBe(FP32_MIN_NORMAL);
  });

  it.each<[number, string | undefined]>([
    [0, undefined],
    [-0, undefined],
    [0.1, undefined],
    [-2.5, undefined],
    [FP32_MAX, undefined],
    [FP32_MIN_NORMAL, undefined],
    [1e308, RANGE],
    [-1e39, RANGE],
    [Number.NaN, RANGE],
    [Number.POSITIVE_INFINITY, RANGE],
    [1e-300, TOO_SMALL],
    [-1e-40, TOO_SMALL],
  ])('fp32Problem(%s)', (value, expected) => {
    expect(fp32Problem(value)).toBe(expected);
  });

  it.each<[number, string | undefined]>([
    [0, undefined],
    [INT32_MAX, undefined],
    [INT32_MIN, undefined],
    [INT32_MAX + 1, 'must be an integer from -2147483648 to 2147483647 (the INT32 range)'],
    [1.5, 'must be an integer from -2147483648 to 2147483647 (the INT32 range)'],
  ])('int32Problem(%s)', (value, expected) => {
    expect(int32Problem(value)).toBe(expected);
  });
});
