import { describe, expect, it } from 'vitest';
import { Prng } from './prng.js';
import { sampleChoice } from './sample-choice.js';

const scores = [0, 2, 1, -Infinity];

function histogram(options: { temperature: number; topK: number; topP: number }): number[] {
  const rng = new Prng(3);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 2000; i++) {
    const index = sampleChoice(scores, options, rng);
    counts[index] = (counts[index] as number) + 1;
  }
  return counts;
}

describe('sampleChoice', () => {
  it('is greedy at temperature 0', () => {
    expect(histogram({ temperature: 0, topK: 0, topP: 0 })).toEqual([0, 2000, 0, 0]);
  });

  it('keeps only the best with top-k 1', () => {
    expect(histogram({ temperature: 1, topK: 1, topP: 0 })).toEqual([0, 2000, 0, 0]);
  });

  it('keeps the nucleus with top-p, taking precedence over top-k', () => {
    const counts = histogram({ temperature: 1, topK: 1, topP: 0.8 });
    expect(counts[0]).toBe(0);
    const [, best = 0, second = 0] = counts;
    expect(best > second && second > 0).toBe(true);
  });

  it('samples every finite candidate in proportion at temperature 1', () => {
    const counts = histogram({ temperature: 1, topK: 0, topP: 0 });
    expect(counts[3]).toBe(0);
    // softmax(0, 2, 1) = 0.090, 0.665, 0.245
    const expected = [0.09, 0.665, 0.245, 0];
    expect(counts.map((c, i) => Math.abs(c / 2000 - (expected[i] as number)) < 0.03)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('consumes exactly one random number per call', () => {
    const a = new Prng(9);
    const b = new Prng(9);
    sampleChoice(scores, { temperature: 0, topK: 0, topP: 0 }, a);
    b.next();
    expect(a.next()).toBe(b.next());
  });

  it('rejects a list with no finite score', () => {
    expect(() => sampleChoice([-Infinity], { temperature: 1, topK: 0, topP: 0 }, new Prng(1))).toThrow(
      new RangeError('Cannot sample: no candidate has a finite score'),
    );
  });
});
