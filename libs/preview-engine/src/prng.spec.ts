import { describe, expect, it } from 'vitest';
import { Prng, fmix32, mixSeed } from './prng.js';

describe('Prng', () => {
  it('produces the mulberry32 sequence for a seed', () => {
    const rng = new Prng(42);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      2581720956, 1925393290, 3661312704,
    ]);
  });

  it('keeps floats in [0, 1) and ints in [0, n)', () => {
    const rng = new Prng(7);
    const floats = Array.from({ length: 1000 }, () => rng.next());
    const ints = new Set(Array.from({ length: 1000 }, () => rng.int(5)));
    expect(floats.every((x) => x >= 0 && x < 1)).toBe(true);
    expect([...ints].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('mixSeed', () => {
  it.each([
    ['lofi piano', 7n, 1950986910],
    ['', 0n, 2886220781],
    ['lofi piano', -1n, 1248893986],
  ])('mixes %j with seed %s into %i', (text, seed, expected) => {
    expect(mixSeed(text, seed)).toBe(expected);
  });

  it('differs when only the high half of the seed differs', () => {
    expect(mixSeed('x', 1n)).not.toBe(mixSeed('x', 1n + (1n << 32n)));
  });

  it('treats a negative seed as its two-complement bits', () => {
    expect(mixSeed('x', -1n)).toBe(mixSeed('x', (1n << 64n) - 1n));
  });
});

describe('fmix32', () => {
  it('maps 0 to 0 and spreads neighbouring inputs', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).not.toBe(fmix32(2));
  });
});
