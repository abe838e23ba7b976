import { describe, expect, it } from 'vitest';
import { codesProblem, concatCodes, copyCodeFrames, sliceCodes, type Codes } from './codes.js';

/** Codes whose value encodes (codebook, frame): 100 × c + f. */
function ramp(frames: number, offset = 0): Codes {
  const data = new Int32Array(4 * frames);
  for (let c = 0; c < 4; c++) for (let f = 0; f < frames; f++) data[c * frames + f] = 100 * c + f + offset;
  return { frames, data };
}

describe('copyCodeFrames', () => {
  it('copies a frame range of every codebook into another width at an offset', () => {
    const target = new Int32Array(4 * 5).fill(-1);
    copyCodeFrames(ramp(3).data, 3, 1, target, 5, 2, 2);
    expect([...target]).toEqual([
      -1, -1, 1, 2, -1, -1, -1, 101, 102, -1, -1, -1, 201, 202, -1, -1, -1, 301, 302, -1,
    ]);
  });
});

describe('sliceCodes and concatCodes', () => {
  it('slice the last frames of every codebook', () => {
    expect(sliceCodes(ramp(4), 2, 4)).toEqual({
      frames: 2,
      data: Int32Array.of(2, 3, 102, 103, 202, 203, 302, 303),
    });
  });

  it('concat along the frame axis', () => {
    expect(concatCodes([ramp(1), ramp(2, 10)])).toEqual({
      frames: 3,
      data: Int32Array.of(0, 10, 11, 100, 110, 111, 200, 210, 211, 300, 310, 311),
    });
  });

  it('are inverse to each other', () => {
    const codes = ramp(7);
    expect(concatCodes([sliceCodes(codes, 0, 3), sliceCodes(codes, 3, 7)])).toEqual(codes);
  });
});

describe('codesProblem', () => {
  it.each<[string, Codes, number, string | undefined]>([
    ['well formed', ramp(3), 1, undefined],
    ['no frames', { frames: 0, data: new Int32Array(0) }, 1, 'must have at least 1 frame(s): got 0'],
    ['zero frames allowed', { frames: 0, data: new Int32Array(0) }, 0, undefined],
    [
      'fractional frames',
      { frames: 1.5, data: new Int32Array(6) },
      1,
      'must have at least 1 frame(s): got 1.5',
    ],
    ['wrong length', { frames: 2, data: new Int32Array(7) }, 1, 'must hold 4 × 2 = 8 codes: got 7'],
    [
      'value too large',
      { frames: 2, data: Int32Array.of(0, 1, 2, 3, 4, 5, 2048, 7) },
      1,
      'value out of range 0..2047 at [3, 0]: got 2048',
    ],
    [
      'negative',
      { frames: 1, data: Int32Array.of(0, -1, 0, 0) },
      1,
      'value out of range 0..2047 at [1, 0]: got -1',
    ],
  ])('%s', (_name, codes, minFrames, expected) => {
    expect(codesProblem(codes, minFrames)).toBe(expected);
  });
});
