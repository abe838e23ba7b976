import { describe, expect, it } from 'vitest';
import { hannWindow, powerSpectrum } from './power-spectrum.js';

describe('powerSpectrum', () => {
  it('puts a sine on its bin and matches a direct DFT', () => {
    const n = 64;
    const frame = Float32Array.from(
      { length: n },
      (_, i) => Math.sin((2 * Math.PI * 5 * i) / n) + 0.25 * Math.cos((2 * Math.PI * 12 * i) / n),
    );
    const ones = new Float64Array(n).fill(1);
    const power = powerSpectrum(frame, ones);
    const direct = Array.from({ length: n / 2 + 1 }, (_, k) => {
      let re = 0;
      let im = 0;
      for (let i = 0; i < n; i++) {
        re += (frame[i] as number) * Math.cos((-2 * Math.PI * k * i) / n);
        im += (frame[i] as number) * Math.sin((-2 * Math.PI * k * i) / n);
      }
      return re * re + im * im;
    });
    for (let k = 0; k <= n / 2; k++) expect(power[k]).toBeCloseTo(direct[k] as number, 6);
    expect([Math.round(power[5] as number), Math.round(power[12] as number)]).toEqual([1024, 64]);
  });

  it('refuses a frame size that is not a power of two', () => {
    expect(() => powerSpectrum(new Float32Array(6), new Float64Array(6))).toThrow(
      new RangeError('Cannot compute a power spectrum as the frame size must be a power of two: got 6'),
    );
  });

  it('makes a periodic Hann window', () => {
    expect([...hannWindow(4)]).toEqual(
      [0, 0.5, 1, 0.5].map((v, i) => (i === 1 || i === 3 ? expect.closeTo(v, 12) : v)),
    );
  });
});
