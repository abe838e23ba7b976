import { describe, expect, it } from 'vitest';
import { kWeighting, type Biquad } from './k-weighting.js';

/** Magnitude response in dB of a biquad at `frequency` Hz. */
function responseDb(filter: Biquad, frequency: number, sampleRate: number): number {
  const w = (2 * Math.PI * frequency) / sampleRate;
  const re = (c0: number, c1: number, c2: number): number => c0 + c1 * Math.cos(w) + c2 * Math.cos(2 * w);
  const im = (c1: number, c2: number): number => -c1 * Math.sin(w) - c2 * Math.sin(2 * w);
  const num = Math.hypot(re(filter.b0, filter.b1, filter.b2), im(filter.b1, filter.b2));
  const den = Math.hypot(re(1, filter.a1, filter.a2), im(filter.a1, filter.a2));
  return 20 * Math.log10(num / den);
}

describe('kWeighting', () => {
  it('reproduces the 48 kHz coefficients published in ITU-R BS.1770-4 (tables 1 and 2)', () => {
    const [shelf, highPass] = kWeighting(48000);
    const published = [
      [shelf.b0, 1.53512485958697],
      [shelf.b1, -2.69169618940638],
      [shelf.b2, 1.19839281085285],
      [shelf.a1, -1.69065929318241],
      [shelf.a2, 0.73248077421585],
      [highPass.a1, -1.99004745483398],
      [highPass.a2, 0.99007225036621],
    ];
    for (const [actual, expected] of published) expect(actual).toBeCloseTo(expected as number, 12);
    expect([highPass.b0, highPass.b1, highPass.b2]).toEqual([1, -2, 1]);
  });

  it.each([32000, 44100, 48000, 96000])('gives the same curve at %i Hz', (sampleRate) => {
    const total = (f: number): number =>
      kWeighting(sampleRate).reduce((sum, filter) => sum + responseDb(filter, f, sampleRate), 0);
    const reference = (f: number): number =>
      kWeighting(48000).reduce((sum, filter) => sum + responseDb(filter, f, 48000), 0);
    // The bilinear transform warps frequencies near Nyquist, so compare where the curve matters most.
    for (const f of [20, 50, 100, 500, 997, 2000, 5000]) expect(total(f)).toBeCloseTo(reference(f), 1);
    // The -0.691 dB in the loudness formula cancels this gain at 997 Hz.
    expect(total(997)).toBeCloseTo(0.691, 1);
    expect(total(10000)).toBeCloseTo(reference(10000), 0);
  });
});
