import { describe, expect, it } from 'vitest';
import { normalizationGain } from './normalization-gain.js';

const sine = (amplitude: number, seconds = 2) =>
  Float32Array.from(
    { length: 32000 * seconds },
    (_, i) => amplitude * Math.sin((2 * Math.PI * 997 * i) / 32000),
  );

describe('normalizationGain', () => {
  it.each([
    ['none', { gain: 1, limit: 1 }],
    ['clip', { gain: 1, limit: 10 ** (-1 / 20) }],
  ] as const)('%s leaves the level alone', (strategy, expected) => {
    expect(normalizationGain(sine(0.25), strategy)).toEqual(expected);
  });

  it('peak scales the peak to -1 dBFS', () => {
    const audio = Float32Array.of(0, 0.5, -0.25);
    expect(normalizationGain(audio, 'peak')).toEqual({ gain: 10 ** (-1 / 20) / 0.5, limit: 1 });
  });

  it('rms scales the RMS to -18 dBFS', () => {
    const audio = Float32Array.of(0.5, -0.5, 0.5, -0.5);
    expect(normalizationGain(audio, 'rms')).toEqual({ gain: 10 ** (-18 / 20) / 0.5, limit: 1 });
  });

  it('loudness brings a full-scale 997 Hz sine (-3.01 LUFS) to -14 LUFS', () => {
    const { gain, limit } = normalizationGain(sine(1), 'loudness');
    expect(limit).toBe(1);
    expect(20 * Math.log10(gain)).toBeCloseTo(-14 + 3.01, 1);
  });

  it.each(['peak', 'rms', 'loudness'] as const)('%s keeps silence as it is', (strategy) => {
    expect(normalizationGain(new Float32Array(64000), strategy)).toEqual({ gain: 1, limit: 1 });
  });
});
