/**
 * A small seeded pseudo-random number generator (mulberry32: a 32-bit state advanced by a Weyl
 * increment of 0x6D2B79F5, then mixed by two multiply-xorshift rounds). Fast, tiny and reproducible
 * on every platform, which is all the synthesiser needs; it is not cryptographic.
 *
 * @example
 * ```ts
 * const rng = new Prng(42);
 * rng.next(); // a float in [0, 1), the same sequence for the same seed
 * ```
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** The next float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/**
 * A 32-bit seed for the generator from the prompt text and the request's 64-bit seed: FNV-1a over
 * the UTF-8 bytes of the text, then the two halves of the seed folded in with a murmur3 finaliser.
 *
 * @example
 * ```ts
 * mixSeed('lofi piano', 7n) === mixSeed('lofi piano', 7n); // true
 * ```
 */
export function mixSeed(text: string, seed: bigint): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  }
  const unsigned = BigInt.asUintN(64, seed);
  h = fmix32(h ^ Number(unsigned & 0xffffffffn));
  h = fmix32(h ^ Number(unsigned >> 32n));
  return h;
}

/** A stateless hash of a 32-bit integer to 32 bits (murmur3's finaliser). */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
