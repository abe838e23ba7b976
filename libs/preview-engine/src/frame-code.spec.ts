import { describe, expect, it } from 'vitest';
import { barFrames, packFrame, stepStart, unpackFrame, type FrameFields } from './frame-code.js';

const fields: FrameFields = {
  degree: 4,
  tonic: 9,
  minor: true,
  beatInChord: 3,
  seventh: true,
  pitch: 17,
  age: 40,
  step: 11,
  stepAge: 5,
  pattern: 6,
  palette: 3,
  tempoIndex: 16,
  dynamics: 2,
  bassBoost: true,
};

describe('packFrame / unpackFrame', () => {
  it('round-trips every field', () => {
    const codes = packFrame(fields);
    expect(codes).toEqual([1996, 1297, 1627, 1667]);
    expect(unpackFrame(...codes)).toEqual(fields);
  });

  it('keeps every code within 0..2047', () => {
    const max = packFrame({
      ...fields,
      degree: 7,
      tonic: 15,
      pitch: 31,
      age: 99,
      stepAge: 15,
      pattern: 7,
      palette: 7,
      tempoIndex: 31,
      dynamics: 3,
    });
    expect(max).toEqual([2047, 2047, 2047 - 15 + 11, 2047]);
  });

  it('wraps a tonic above 11 into a pitch class', () => {
    expect(unpackFrame(13 << 3, 0, 0, 0).tonic).toBe(1);
  });
});

describe('bar arithmetic', () => {
  it.each([
    [0, 200],
    [15, 100],
    [31, 65],
  ])('tempo index %i has %i frames per bar', (index, frames) => {
    expect(barFrames(index)).toBe(frames);
  });

  it('spreads 16 steps over the bar', () => {
    expect(Array.from({ length: 17 }, (_, s) => stepStart(s, 65))).toEqual([
      0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 65,
    ]);
  });
});
