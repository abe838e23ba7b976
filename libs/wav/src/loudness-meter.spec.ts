import { describe, expect, it } from 'vitest';
import { LoudnessMeter, measureLoudness } from './loudness-meter.js';

/** A 1 kHz (or `frequency`) sine made of segments of [seconds, peak level dBFS]. */
function tone(sampleRate: number, segments: [number, number][], frequency = 1000): Float32Array {
  const total = segments.reduce((n, [seconds]) => n + Math.round(seconds * sampleRate), 0);
  const out = new Float32Array(total);
  let i = 0;
  for (const [seconds, db] of segments) {
    const amplitude = 10 ** (db / 20);
    for (const end = i + Math.round(seconds * sampleRate); i < end; i++) {
      out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate);
    }
  }
  return out;
}

describe('measureLoudness', () => {
  it.each([32000, 48000])(
    'measures a full-scale 997 Hz sine in one channel at -3.01 LUFS (%i Hz)',
    (rate) => {
      expect(measureLoudness([tone(rate, [[5, 0]], 997)], { sampleRate: rate })).toBeCloseTo(-3.01, 1);
    },
  );

  it('measures the same sine in both stereo channels 3.01 LU louder', () => {
    const sine = tone(48000, [[5, 0]], 997);
    expect(measureLoudness([sine, sine], { sampleRate: 48000 })).toBeCloseTo(0, 1);
  });

  // EBU Tech 3341 minimum requirements, test cases 1 to 5 (stereo, 1 kHz, levels in dBFS per channel):
  // each should read -23.0 ± 0.1 LUFS, cases 3 to 5 only once both gates work.
  const ebuCases: [string, [number, number][]][] = [
    ['case 1: 20 s at -23 dBFS', [[20, -23]]],
    ['case 2: 20 s at -33 dBFS reads -33', [[20, -33]]],
    [
      'case 3: -36/-23/-36 dBFS for 10/60/10 s',
      [
        [10, -36],
        [60, -23],
        [10, -36],
      ],
    ],
    [
      'case 4: -72/-36/-23/-36/-72 dBFS for 10/10/60/10/10 s',
      [
        [10, -72],
        [10, -36],
        [60, -23],
        [10, -36],
        [10, -72],
      ],
    ],
    [
      'case 5: -26/-20/-26 dBFS for 20/20.1/20 s',
      [
        [20, -26],
        [20.1, -20],
        [20, -26],
      ],
    ],
  ];
  it.each(
    ebuCases.flatMap(([name, segments]) => [32000, 48000].map((rate) => [name, rate, segments] as const)),
  )('EBU Tech 3341 %s at %i Hz', (name, rate, segments) => {
    const signal = tone(rate, segments);
    const expected = name.startsWith('case 2') ? -33 : -23;
    expect(Math.abs(measureLoudness([signal, signal], { sampleRate: rate }) - expected)).toBeLessThanOrEqual(
      0.1,
    );
  });

  it('returns -Infinity for silence and for audio shorter than one 400 ms block', () => {
    expect(measureLoudness([new Float32Array(32000)])).toBe(-Infinity);
    expect(measureLoudness([tone(32000, [[0.39, 0]])])).toBe(-Infinity);
    expect(measureLoudness([tone(32000, [[0.4, 0]])])).toBeGreaterThan(-4);
  });

  it('rejects invalid input', () => {
    expect(() => measureLoudness([new Float32Array(1)], { sampleRate: 0 })).toThrow(
      new RangeError('Cannot measure loudness: sampleRate must be an integer from 8000 to 1000000: got 0'),
    );
    expect(() => measureLoudness([])).toThrow(
      new RangeError('Cannot measure loudness: channels must be 1 (mono) or 2 (stereo): got 0'),
    );
  });
});

describe('LoudnessMeter', () => {
  it('gives the same result whatever the chunk sizes', () => {
    const signal = tone(
      32000,
      [
        [3, -10],
        [2, -30],
        [4, -6],
      ],
      440,
    );
    const whole = measureLoudness([signal]);
    const meter = new LoudnessMeter();
    const sizes = [1, 7, 3199, 3200, 3201, 12800, 50000];
    for (let start = 0, k = 0; start < signal.length; k++) {
      const size = sizes[k % sizes.length] as number;
      meter.push([signal.subarray(start, start + size)]);
      start += size;
    }
    expect(meter.integratedLoudness()).toBeCloseTo(whole, 9);
  });

  it('rejects a chunk with the wrong number of channels', () => {
    const meter = new LoudnessMeter({ channels: 2 });
    expect(() => meter.push([new Float32Array(1)])).toThrow(
      new RangeError('Cannot measure loudness: expected 2 channel(s): got 1'),
    );
  });
});
