import { describe, expect, it } from 'vitest';
import { measurePeak, measureRms } from './measure-level.js';

const f = (values: number[]): Float32Array => Float32Array.from(values);

describe('measurePeak', () => {
  it.each([
    [[f([0.5, -0.75])], 0.75],
    [[f([0.25]), f([-1])], 1],
    [[f([])], 0],
    [[f([0.5, Number.NaN, 0.25])], Number.NaN],
  ])('measures %j as %s', (channels, expected) => {
    expect(measurePeak(channels)).toBe(expected);
  });

  it('rejects more than two channels', () => {
    expect(() => measurePeak([f([]), f([]), f([])])).toThrow(
      new RangeError('Cannot measure peak: channels must be 1 (mono) or 2 (stereo): got 3'),
    );
  });
});

describe('measureRms', () => {
  it.each([
    [[f([0.5, -0.5])], 0.5],
    [[f([1, 0, 0, 0])], 0.5],
    [[f([0.5, 0.5]), f([-0.5, -0.5])], 0],
    [[f([1, 1]), f([0, 0])], 0.5],
    [[f([])], 0],
  ])('measures %j as %s', (channels, expected) => {
    expect(measureRms(channels)).toBe(expected);
  });

  it('rejects channels of different lengths', () => {
    expect(() => measureRms([f([1]), f([])])).toThrow(
      new RangeError('Cannot measure RMS: all channels must have the same length: got 1, 0'),
    );
  });
});
