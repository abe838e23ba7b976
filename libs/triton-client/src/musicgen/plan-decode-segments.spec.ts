import { describe, expect, it } from 'vitest';
import { planDecodeSegments } from './plan-decode-segments.js';

describe('planDecodeSegments', () => {
  it.each([
    { frames: 40, max: 50, overlap: 10, segments: [{ start: 0, end: 40 }] },
    { frames: 50, max: 50, overlap: 10, segments: [{ start: 0, end: 50 }] },
    {
      frames: 51,
      max: 50,
      overlap: 10,
      segments: [
        { start: 0, end: 50 },
        { start: 40, end: 51 },
      ],
    },
    {
      frames: 130,
      max: 50,
      overlap: 10,
      segments: [
        { start: 0, end: 50 },
        { start: 40, end: 90 },
        { start: 80, end: 130 },
      ],
    },
    {
      frames: 7500,
      max: 3000,
      overlap: 50,
      segments: [
        { start: 0, end: 3000 },
        { start: 2950, end: 5950 },
        { start: 5900, end: 7500 },
      ],
    },
    {
      frames: 5,
      max: 2,
      overlap: 0,
      segments: [
        { start: 0, end: 2 },
        { start: 2, end: 4 },
        { start: 4, end: 5 },
      ],
    },
  ])('splits $frames frames with max $max and overlap $overlap', ({ frames, max, overlap, segments }) => {
    expect(planDecodeSegments(frames, max, overlap)).toEqual(segments);
  });

  it.each([
    {
      max: 0,
      overlap: 0,
      message: 'Cannot plan decode segments: max_frames must be a positive integer: got 0',
    },
    {
      max: 50,
      overlap: 26,
      message:
        'Cannot plan decode segments: overlap must be an integer from 0 to max_frames / 2 = 25: got 26',
    },
    {
      max: 50,
      overlap: -1,
      message:
        'Cannot plan decode segments: overlap must be an integer from 0 to max_frames / 2 = 25: got -1',
    },
  ])('rejects max $max with overlap $overlap', ({ max, overlap, message }) => {
    expect(() => planDecodeSegments(100, max, overlap)).toThrow(new RangeError(message));
  });
});
