import { describe, expect, it } from 'vitest';
import { GenerationSpeed } from './window-deadline.js';

describe('GenerationSpeed', () => {
  it('sets no deadline before a window was measured', () => {
    expect(new GenerationSpeed().deadlineMs(1500)).toBeUndefined();
  });

  it('gives four times the expected time, at least a minute', () => {
    const speed = new GenerationSpeed();
    speed.record(1500, 30_000); // 50 frames/s
    expect([
      speed.framesPerSecond,
      speed.deadlineMs(1500),
      speed.deadlineMs(900),
      speed.deadlineMs(50),
    ]).toEqual([50, 120_000, 72_000, 60_000]);
  });

  it('follows the speed as it changes, as a running mean', () => {
    const speed = new GenerationSpeed();
    speed.record(1000, 10_000); // 100 frames/s
    speed.record(1000, 20_000); // 50 frames/s: the mean moves 30 % of the way
    expect(speed.framesPerSecond).toBeCloseTo(85, 10);
    speed.record(0, 5_000);
    speed.record(10, 0);
    expect(speed.framesPerSecond).toBeCloseTo(85, 10);
  });
});
