import { describe, expect, it } from 'vitest';
import {
  checkSampling,
  DEFAULT_SAMPLING,
  MAX_SEED,
  SAMPLING_LIMITS,
  samplingProblem,
  seedProblem,
  type SamplingName,
} from './sampling.js';

describe('sampling defaults and limits', () => {
  it('are audiocraft defaults within the shared limits', () => {
    expect(DEFAULT_SAMPLING).toEqual({ guidance: 3, topK: 250, topP: 0, temperature: 1 });
    expect(SAMPLING_LIMITS).toEqual({
      guidance: { min: 0, max: 100, integer: false },
      topK: { min: 0, max: 2048, integer: true },
      topP: { min: 0, max: 1, integer: false },
      temperature: { min: 0, max: 100, integer: false },
    });
    expect(() => checkSampling(DEFAULT_SAMPLING)).not.toThrow();
  });
});

const FP32_TOO_SMALL =
  'must be 0 or at least 1.1754943508222875e-38 (smaller numbers are not normal FP32 values: they reach the model as 0 or lose their precision)';

describe('samplingProblem', () => {
  it.each<[SamplingName, number, string | undefined]>([
    ['guidance', 0, undefined],
    ['guidance', 100, undefined],
    ['guidance', 100.5, 'must be a number from 0 to 100'],
    ['guidance', -0.1, 'must be a number from 0 to 100'],
    ['guidance', Number.NaN, 'must be a number from 0 to 100'],
    ['guidance', Number.POSITIVE_INFINITY, 'must be a number from 0 to 100'],
    ['topK', 2048, undefined],
    ['topK', 2049, 'must be an integer from 0 to 2048'],
    ['topK', 2.5, 'must be an integer from 0 to 2048'],
    ['topP', 1, undefined],
    ['topP', 1.01, 'must be a number from 0 to 1'],
    ['temperature', 0, undefined],
    ['temperature', 101, 'must be a number from 0 to 100'],
    // FP32 on the wire: a value that would become 0 (or a subnormal) there is refused, not sent as 0
    ['topP', 1e-300, FP32_TOO_SMALL],
    ['topP', 1e-40, FP32_TOO_SMALL],
    ['topP', 2 ** -126, undefined],
    ['guidance', 1e-45, FP32_TOO_SMALL],
    ['temperature', 5e-324, FP32_TOO_SMALL],
    ['guidance', 1e308, 'must be a number from 0 to 100'],
  ])('%s = %s', (name, value, expected) => {
    expect(samplingProblem(name, value)).toBe(expected);
  });
});

describe('checkSampling', () => {
  it('names the first bad option and its value', () => {
    expect(() => checkSampling({ guidance: 3, topK: -1, topP: 7 })).toThrow(
      new RangeError(
        'Cannot use the sampling options as topK must be an integer from 0 to 2048: current value is -1',
      ),
    );
  });

  it('accepts a partial set', () => {
    expect(() => checkSampling({ temperature: 0 })).not.toThrow();
  });
});

describe('seedProblem', () => {
  it.each<[number, string | undefined]>([
    [0, undefined],
    [MAX_SEED, undefined],
    [MAX_SEED + 1, 'must be an integer from 0 to 4294967295'],
    [-1, 'must be an integer from 0 to 4294967295'],
    [1.5, 'must be an integer from 0 to 4294967295'],
  ])('%s', (value, expected) => {
    expect(seedProblem(value)).toBe(expected);
  });
});
