import { describe, expect, it } from 'vitest';
import { spectrogram, type Spectrogram } from './spectrogram.js';

const RATE = 32000;
const sine = (seconds: number, hz: number, amplitude: number) =>
  Float32Array.from(
    { length: seconds * RATE },
    (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / RATE),
  );

const level = (s: Spectrogram, row: number, column: number) => s.decibels[row * s.columns + column] as number;
const rowOf = (s: Spectrogram, hz: number) =>
  s.rowHz.reduce((best, f, r) => (Math.abs(f - hz) < Math.abs((s.rowHz[best] as number) - hz) ? r : best), 0);

describe('spectrogram', () => {
  it.each(['mel', 'linear'] as const)(
    'shows a 1 kHz sine as one line at 1 kHz, at its level, everywhere else far below (%s rows)',
    (scale) => {
      // 1000 Hz is exactly bin 64 of a 2048-point frame at 32 kHz, so its level reads without scalloping.
      const s = spectrogram(sine(2, 1000, 0.5), RATE, { columns: 40, rows: 128, scale });
      const row = rowOf(s, 1000);
      // Columns whose frame lies wholly inside the signal (the first and last are zero-padded).
      for (let c = 1; c < s.columns - 1; c++) {
        const column = Array.from({ length: s.rows }, (_, r) => level(s, r, c));
        const loudest = column.indexOf(Math.max(...column));
        expect(Math.abs(loudest - row)).toBeLessThanOrEqual(1);
        expect(level(s, loudest, c)).toBeCloseTo(20 * Math.log10(0.5), 1); // -6.02 dB
        // Outside the Hann main lobe (±2 bins = ±31 Hz) nothing comes within 60 dB of the line.
        for (let r = 0; r < s.rows; r++) {
          if (Math.abs((s.rowHz[r] as number) - 1000) > 80) expect(level(s, r, c)).toBeLessThan(-66);
        }
      }
    },
  );

  it('puts two tones on two lines, the quieter one lower by its level difference', () => {
    const signal = sine(1, 250, 0.4).map((x, i) => x + 0.04 * Math.sin((2 * Math.PI * 4000 * i) / RATE));
    const s = spectrogram(signal, RATE, { columns: 10, rows: 200 });
    const c = 5;
    const column = Array.from({ length: s.rows }, (_, r) => level(s, r, c));
    const peaks = column
      .map((db, r) => ({ db, r }))
      .filter(
        ({ db, r }) => db > -60 && db >= (column[r - 1] ?? -Infinity) && db >= (column[r + 1] ?? -Infinity),
      );
    expect(peaks.map(({ r }) => r)).toEqual([rowOf(s, 250), rowOf(s, 4000)]);
    expect((peaks[0]?.db ?? 0) - (peaks[1]?.db ?? 0)).toBeCloseTo(20, 0);
  });

  it('times columns evenly over the signal and keeps silence at the floor', () => {
    const s = spectrogram(new Float32Array(RATE), RATE, { columns: 4, rows: 8, floorDb: -100 });
    expect(Array.from(s.columnSeconds)).toEqual([0.125, 0.375, 0.625, 0.875]);
    expect(s.decibels).toEqual(new Float32Array(32).fill(-100));
    expect(s.rowHz[0]).toBeGreaterThan(0);
    expect(s.rowHz[7]).toBeLessThan(16000);
  });

  it.each([
    [
      { columns: 0 },
      "Cannot compute a spectrogram as 'columns' must be an integer from 1 to 10000: current value is 0",
    ],
    [
      { rows: 2.5 },
      "Cannot compute a spectrogram as 'rows' must be an integer from 1 to 10000: current value is 2.5",
    ],
    [
      { maxHz: 20000 },
      "Cannot compute a spectrogram as 'maxHz' must be above 0 and at most half the sample rate (16000): current value is 20000",
    ],
    [
      { frameSize: 1000 },
      'Cannot compute a power spectrum as the frame size must be a power of two: got 1000',
    ],
  ])('refuses %j', (options, message) => {
    expect(() => spectrogram(new Float32Array(10), RATE, options)).toThrow(new RangeError(message));
  });
});
