import { describe, expect, it } from 'vitest';
import { concatCodes, sliceCodes, validateCodes } from './codes.js';

const codes = { frames: 3, data: Int32Array.of(0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32) };

describe('codes helpers', () => {
  it('slices frames of every codebook', () => {
    expect(sliceCodes(codes, 1, 3)).toEqual({ frames: 2, data: Int32Array.of(1, 2, 11, 12, 21, 22, 31, 32) });
  });

  it('concatenates along frames', () => {
    expect(concatCodes([sliceCodes(codes, 0, 1), sliceCodes(codes, 1, 3)])).toEqual(codes);
    expect(concatCodes([])).toEqual({ frames: 0, data: new Int32Array(0) });
  });

  it('validates values with their [codebook, frame] position', () => {
    expect(() => validateCodes({ frames: 1, data: Int32Array.of(0, 0, 0, -1) }, 'Cannot x', 'codes')).toThrow(
      new RangeError('Cannot x: codes value out of range 0..2047 at [3, 0]: got -1'),
    );
    expect(() => validateCodes(codes, 'Cannot x', 'codes')).not.toThrow();
  });
});
