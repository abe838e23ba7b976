import { describe, expect, it } from 'vitest';
import { measureLoudness } from './loudness-meter.js';
import { NormalizationMeter, planNormalization } from './normalization-meter.js';

const f = (values: number[]): Float32Array => Float32Array.from(values);
const MINUS_1_DB = 10 ** (-1 / 20);
const MINUS_18_DB = 10 ** (-18 / 20);
const sine = (seconds: number, amplitude: number, frequency = 997): Float32Array =>
  Float32Array.from(
    { length: 32000 * seconds },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / 32000),
  );

describe('planNormalization', () => {
  it.each([
    ['peak', [f([0.5, -0.25])], { strategy: 'peak', gain: MINUS_1_DB / 0.5, limit: 1, measured: 0.5 }],
    [
      'peak of stereo',
      [f([0.5, 0]), f([0, -0.8])],
      { strategy: 'peak', gain: MINUS_1_DB / Math.fround(0.8), limit: 1, measured: Math.fround(0.8) },
    ],
    ['peak of silence', [f([0, 0])], { strategy: 'peak', gain: 1, limit: 1, measured: 0 }],
    ['clip', [f([2, -2])], { strategy: 'clip', gain: 1, limit: MINUS_1_DB, measured: null }],
    ['rms', [f([0.5, -0.5])], { strategy: 'rms', gain: MINUS_18_DB / 0.5, limit: 1, measured: 0.5 }],
    // The mono mix of opposite channels is silent: gain 1.
    [
      'rms of a mono mix',
      [f([0.5, -0.5]), f([-0.5, 0.5])],
      { strategy: 'rms', gain: 1, limit: 1, measured: 0 },
    ],
    [
      'rms of a stereo mix',
      [f([0.5, 0.5]), f([0.25, 0.25])],
      { strategy: 'rms', gain: MINUS_18_DB / 0.375, limit: 1, measured: 0.375 },
    ],
    ['none', [f([3])], { strategy: 'none', gain: 1, limit: 1, measured: null }],
  ] as const)('plans %s', (_name, channels, expected) => {
    expect(planNormalization([...channels], { strategy: expected.strategy })).toEqual(expected);
  });

  it('uses the headroom options', () => {
    expect(planNormalization([f([0.5])], { strategy: 'peak', peakHeadroomDb: 6 })).toEqual({
      strategy: 'peak',
      gain: 10 ** (-6 / 20) / 0.5,
      limit: 1,
      measured: 0.5,
    });
    expect(planNormalization([f([1])], { strategy: 'clip', peakHeadroomDb: 0 }).limit).toBe(1);
    expect(planNormalization([f([0.5])], { strategy: 'rms', rmsHeadroomDb: 6 }).gain).toBe(
      10 ** (-6 / 20) / 0.5,
    );
  });

  it('plans loudness to -14 LUFS and the result measures -14 LUFS', () => {
    const audio = sine(5, 0.5);
    const measured = measureLoudness([audio]);
    const plan = planNormalization([audio], { strategy: 'loudness' });
    expect(plan).toEqual({ strategy: 'loudness', gain: 10 ** ((-14 - measured) / 20), limit: 1, measured });
    expect(measureLoudness([audio.map((x) => x * plan.gain)])).toBeCloseTo(-14, 3);
    expect(planNormalization([audio], { strategy: 'loudness', targetLufs: -23 }).gain).toBe(
      10 ** ((-23 - measured) / 20),
    );
  });

  it('skips loudness gain below the energy floor and when nothing passes the gates', () => {
    const quiet = sine(5, 0.002); // RMS ≈ 0.0014 < 2e-3
    expect(planNormalization([quiet], { strategy: 'loudness' })).toEqual({
      strategy: 'loudness',
      gain: 1,
      limit: 1,
      measured: measureLoudness([quiet]),
    });
    expect(planNormalization([quiet], { strategy: 'loudness', energyFloor: 1e-3 }).gain).toBeGreaterThan(100);
    expect(planNormalization([sine(0.25, 0.5)], { strategy: 'loudness' })).toEqual({
      strategy: 'loudness',
      gain: 1,
      limit: 1,
      measured: -Infinity,
    });
  });

  it.each([
    [
      { strategy: 'loud' },
      `Cannot normalise audio: strategy must be one of 'peak', 'clip', 'rms', 'loudness', 'none': got "loud"`,
    ],
    [{ peakHeadroomDb: -1 }, 'Cannot normalise audio: peakHeadroomDb must be a finite number >= 0: got -1'],
    [
      { rmsHeadroomDb: Number.NaN },
      'Cannot normalise audio: rmsHeadroomDb must be a finite number >= 0: got NaN',
    ],
    [{ energyFloor: -0.1 }, 'Cannot normalise audio: energyFloor must be a finite number >= 0: got -0.1'],
    [{ targetLufs: 3 }, 'Cannot normalise audio: targetLufs must be a finite number <= 0: got 3'],
    [
      { strategy: 'loudness', sampleRate: 10 },
      'Cannot measure loudness: sampleRate must be an integer from 8000 to 1000000: got 10',
    ],
  ])('rejects options %j', (options, message) => {
    expect(() => planNormalization([f([0.5])], options as object)).toThrow(new RangeError(message));
  });

  it.each(['peak', 'rms', 'loudness'] as const)('rejects non-finite samples with %s', (strategy) => {
    expect(() => planNormalization([f([0.5, Number.NaN])], { strategy })).toThrow(
      new RangeError(
        'Cannot normalise audio: samples must be finite numbers: got NaN or Infinity in the audio',
      ),
    );
  });
});

describe('NormalizationMeter', () => {
  it.each(['peak', 'rms', 'loudness'] as const)(
    'plans %s the same from chunks as from the whole',
    (strategy) => {
      const audio = sine(3, 0.3, 440).map((x, i) => (i > 40000 ? x * 2 : x));
      const meter = new NormalizationMeter({ strategy });
      for (let start = 0; start < audio.length; start += 7001)
        meter.push([audio.subarray(start, start + 7001)]);
      const whole = planNormalization([audio], { strategy });
      const chunked = meter.plan();
      expect(chunked.strategy).toBe(strategy);
      expect(chunked.gain).toBeCloseTo(whole.gain, 9);
      expect(chunked.measured).toBeCloseTo(whole.measured as number, 9);
    },
  );
});
