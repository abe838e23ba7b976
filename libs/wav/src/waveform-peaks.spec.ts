import { describe, expect, it } from 'vitest';
import { monoMix, waveformPeaks } from './waveform-peaks.js';

const sine = (n: number, hz: number, amplitude: number, rate = 32000) =>
  Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate));

describe('waveformPeaks', () => {
  it('outlines a sine by its amplitude in every column wider than a period', () => {
    // 1 s of 100 Hz at 0.5 in 50 columns: 640 samples, two periods, per column
    const { min, max } = waveformPeaks(sine(32000, 100, 0.5), 50);
    for (let c = 0; c < 50; c++) {
      expect(max[c]).toBeCloseTo(0.5, 4);
      expect(min[c]).toBeCloseTo(-0.5, 4);
    }
  });

  it('follows a signal that changes level: silence, then a step', () => {
    const signal = new Float32Array(1000);
    signal.fill(0.25, 500);
    expect(waveformPeaks(signal, 4)).toEqual({
      columns: 4,
      min: Float32Array.from([0, 0, 0.25, 0.25]),
      max: Float32Array.from([0, 0, 0.25, 0.25]),
    });
  });

  it('gives each column the sample it falls on when there are more columns than samples', () => {
    expect(waveformPeaks(Float32Array.from([1, -1]), 4)).toEqual({
      columns: 4,
      min: Float32Array.from([1, 1, -1, -1]),
      max: Float32Array.from([1, 1, -1, -1]),
    });
  });

  it('gives zeros for an empty signal', () => {
    expect(waveformPeaks(new Float32Array(0), 2)).toEqual({
      columns: 2,
      min: new Float32Array(2),
      max: new Float32Array(2),
    });
  });

  it.each([0, 1.5, 100_001])('refuses %s columns', (columns) => {
    expect(() => waveformPeaks(new Float32Array(4), columns)).toThrow(
      new RangeError(
        `Cannot compute waveform peaks as 'columns' must be an integer from 1 to 100000: current value is ${columns}`,
      ),
    );
  });
});

describe('monoMix', () => {
  it('averages channels and returns one channel as it is', () => {
    const left = Float32Array.from([1, 0.5]);
    expect(monoMix([left, Float32Array.from([0, -0.5])])).toEqual(Float32Array.from([0.5, 0]));
    expect(monoMix([left])).toBe(left);
  });
});
