import { describe, expect, it } from 'vitest';
import {
  CODE_MAX,
  CODEBOOK_SIZE,
  CODEBOOKS,
  DELAY_STEPS,
  FRAME_RATE_HZ,
  MAX_WINDOW_FRAMES,
  SAMPLE_RATE_HZ,
  SAMPLES_PER_FRAME,
  samplesForFrames,
  secondsForFrames,
} from './codec.js';

describe('codec constants', () => {
  it('are the released 32 kHz EnCodec numbers', () => {
    expect({
      CODEBOOKS,
      CODEBOOK_SIZE,
      CODE_MAX,
      SAMPLE_RATE_HZ,
      SAMPLES_PER_FRAME,
      FRAME_RATE_HZ,
      MAX_WINDOW_FRAMES,
      DELAY_STEPS,
    }).toEqual({
      CODEBOOKS: 4,
      CODEBOOK_SIZE: 2048,
      CODE_MAX: 2047,
      SAMPLE_RATE_HZ: 32000,
      SAMPLES_PER_FRAME: 640,
      FRAME_RATE_HZ: 50,
      MAX_WINDOW_FRAMES: 1500,
      DELAY_STEPS: 3,
    });
  });

  it('converts frames to samples and seconds', () => {
    expect([
      samplesForFrames(1500),
      samplesForFrames(1),
      secondsForFrames(2250),
      secondsForFrames(1),
    ]).toEqual([960_000, 640, 45, 0.02]);
  });
});
