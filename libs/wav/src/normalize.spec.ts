import { describe, expect, it } from 'vitest';
import { normalize } from './normalize.js';

const f = (values: number[]): Float32Array => Float32Array.from(values);
const MINUS_1_DB = 10 ** (-1 / 20);

describe('normalize', () => {
  it('scales peaks to -1 dBFS by default and leaves the input alone', () => {
    const input = f([0.5, -0.25]);
    expect(normalize([input])).toEqual([f([MINUS_1_DB, -MINUS_1_DB / 2])]);
    expect(input).toEqual(f([0.5, -0.25]));
  });

  it('clips without gain', () => {
    expect(normalize([f([2, 0.5, -2])], { strategy: 'clip' })).toEqual([f([MINUS_1_DB, 0.5, -MINUS_1_DB])]);
  });

  it('scales RMS, then clamps to ±1', () => {
    const s = Math.fround(0.01);
    const quiet = Array.from({ length: 99 }, (_, i) => (i % 2 ? s : -s));
    const gain = 10 ** (-18 / 20) / Math.sqrt((1 + 99 * s * s) / 100);
    expect(gain).toBeGreaterThan(1.2);
    expect(normalize([f([1, ...quiet])], { strategy: 'rms' })).toEqual([
      f([1, ...quiet.map((x) => x * gain)]),
    ]);
  });

  it('keeps samples with none', () => {
    expect(normalize([f([0.5]), f([-0.5])], { strategy: 'none' })).toEqual([f([0.5]), f([-0.5])]);
  });
});
