import { describe, expect, it } from 'vitest';
import { validateCodes } from './codes.js';

describe('validateCodes', () => {
  it('throws with the action, the label and the problem', () => {
    expect(() => validateCodes({ frames: 1, data: Int32Array.of(0, 0, 0, -1) }, 'Cannot x', 'codes')).toThrow(
      new RangeError('Cannot x: codes value out of range 0..2047 at [3, 0]: got -1'),
    );
  });

  it('passes well-formed codes', () => {
    expect(() =>
      validateCodes({ frames: 1, data: Int32Array.of(0, 1, 2, 2047) }, 'Cannot x', 'codes'),
    ).not.toThrow();
  });
});
