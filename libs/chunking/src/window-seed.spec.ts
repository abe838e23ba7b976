import { describe, expect, it } from 'vitest';
import { windowSeed } from './window-seed.js';

describe('windowSeed', () => {
  // Expected values computed independently (Python, arbitrary-precision integers masked to 32 bits).
  it.each([
    [42, 0, 42],
    [42, 1, 939911724],
    [42, 2, 3948730756],
    [0, 0, 0],
    [0, 1, 2462723854],
    [0xffffffff, 1, 920564995],
    [0xffffffff, 7, 1240119404],
    [123456789, 33, 1469871932],
  ])('windowSeed(%i, %i) = %i', (seed, index, expected) => {
    expect(windowSeed(seed, index)).toBe(expected);
  });

  it.each([
    [-1, 0, 'Cannot derive a window seed: seed must be an integer from 0 to 4294967295: got -1'],
    [2 ** 32, 0, 'Cannot derive a window seed: seed must be an integer from 0 to 4294967295: got 4294967296'],
    [1.5, 0, 'Cannot derive a window seed: seed must be an integer from 0 to 4294967295: got 1.5'],
    [1, -1, 'Cannot derive a window seed: index must be a non-negative integer: got -1'],
    [1, 0.5, 'Cannot derive a window seed: index must be a non-negative integer: got 0.5'],
  ])('rejects seed %s index %s', (seed, index, message) => {
    expect(() => windowSeed(seed, index)).toThrow(new RangeError(message));
  });
});
