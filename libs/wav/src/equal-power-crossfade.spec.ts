import { describe, expect, it } from 'vitest';
import { equalPowerCrossfade } from './equal-power-crossfade.js';

const f = (values: number[]): Float32Array => Float32Array.from(values);

describe('equalPowerCrossfade', () => {
  it('concatenates when the overlap is 0', () => {
    expect(equalPowerCrossfade(f([1, 2]), f([3, 4, 5]), 0)).toEqual(f([1, 2, 3, 4, 5]));
  });

  it('mixes a single overlapping sample at equal gains of sqrt(1/2)', () => {
    expect(equalPowerCrossfade(f([0.5, 1]), f([1, 0.25]), 1)).toEqual(
      f([0.5, Math.SQRT1_2 * 1 + Math.SQRT1_2 * 1, 0.25]),
    );
  });

  it('uses cos/sin gains at midpoints (i + 0.5) / N of the overlap', () => {
    const c1 = Math.cos(Math.PI / 8);
    const s1 = Math.sin(Math.PI / 8);
    expect(equalPowerCrossfade(f([9, 1, 1]), f([1, 1, 7]), 2)).toEqual(f([9, c1 + s1, s1 + c1, 7]));
    expect(equalPowerCrossfade(f([1, 1]), f([0, 0]), 2)).toEqual(f([c1, s1]));
    expect(equalPowerCrossfade(f([0, 0]), f([1, 1]), 2)).toEqual(f([s1, c1]));
  });

  it('keeps power: gains squared sum to 1 at every overlap sample', () => {
    const n = 64;
    const fadeOut = equalPowerCrossfade(new Float32Array(n).fill(1), new Float32Array(n), n);
    const fadeIn = equalPowerCrossfade(new Float32Array(n), new Float32Array(n).fill(1), n);
    for (let i = 0; i < n; i++) {
      expect((fadeOut[i] as number) ** 2 + (fadeIn[i] as number) ** 2).toBeCloseTo(1, 6);
      expect(fadeOut[i]).toBe(fadeIn[n - 1 - i]);
    }
  });

  it('crossfades the whole of both inputs when the overlap equals their length', () => {
    const out = equalPowerCrossfade(f([1, 1, 1, 1]), f([-1, -1, -1, -1]), 4);
    const expected = [0, 1, 2, 3].map((i) => {
      const theta = ((i + 0.5) * Math.PI) / 8;
      return Math.cos(theta) - Math.sin(theta);
    });
    expect(out).toEqual(f(expected));
  });

  it('does not modify its inputs', () => {
    const a = f([1, 2, 3]);
    const b = f([4, 5, 6]);
    equalPowerCrossfade(a, b, 2);
    expect([a, b]).toEqual([f([1, 2, 3]), f([4, 5, 6])]);
  });

  it.each([
    [-1, 'got -1'],
    [1.5, 'got 1.5'],
    [4, 'got 4'],
    [Number.NaN, 'got NaN'],
  ])('rejects overlapSamples %s', (overlap, got) => {
    expect(() => equalPowerCrossfade(f([1, 2, 3]), f([1, 2, 3, 4]), overlap)).toThrow(
      new RangeError(
        `Cannot crossfade: overlapSamples must be an integer from 0 to min(a.length, b.length) = 3: ${got}`,
      ),
    );
  });
});
