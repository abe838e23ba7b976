/**
 * Power spectrum of one real frame by an iterative radix-2 FFT: `size / 2 + 1` bins of `|X[k]|²`.
 * `size` must be a power of two; the frame is multiplied by `window` (same length) first.
 *
 * @example
 * ```ts
 * const window = hannWindow(2048);
 * const power = powerSpectrum(samples.subarray(0, 2048), window); // 1025 bins
 * ```
 */
export function powerSpectrum(frame: Float32Array, window: Float64Array): Float64Array {
  const n = window.length;
  if (n < 2 || (n & (n - 1)) !== 0) {
    throw new RangeError(
      `Cannot compute a power spectrum as the frame size must be a power of two: got ${n}`,
    );
  }
  const { cos, sin, order } = tables(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[order[i] as number] = (frame[i] ?? 0) * (window[i] as number);
  for (let size = 2; size <= n; size *= 2) {
    const half = size / 2;
    const stride = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * stride] as number;
        const wi = sin[k * stride] as number;
        const a = start + k;
        const b = a + half;
        const tr = (re[b] as number) * wr - (im[b] as number) * wi;
        const ti = (re[b] as number) * wi + (im[b] as number) * wr;
        re[b] = (re[a] as number) - tr;
        im[b] = (im[a] as number) - ti;
        re[a] = (re[a] as number) + tr;
        im[a] = (im[a] as number) + ti;
      }
    }
  }
  const power = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) power[k] = (re[k] as number) ** 2 + (im[k] as number) ** 2;
  return power;
}

/** A periodic Hann window of `size` points (for overlapping analysis frames). */
export function hannWindow(size: number): Float64Array {
  const window = new Float64Array(size);
  for (let i = 0; i < size; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
  return window;
}

const TABLES = new Map<number, { cos: Float64Array; sin: Float64Array; order: Uint32Array }>();

/** Twiddle factors `e^(-2πik/n)` and the bit-reversal order for size `n`, computed once per size. */
function tables(n: number): { cos: Float64Array; sin: Float64Array; order: Uint32Array } {
  let found = TABLES.get(n);
  if (found === undefined) {
    const cos = new Float64Array(n / 2);
    const sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      cos[k] = Math.cos((-2 * Math.PI * k) / n);
      sin[k] = Math.sin((-2 * Math.PI * k) / n);
    }
    const order = Uint32Array.from({ length: n }, (_, i) => reverseBits(i, n));
    found = { cos, sin, order };
    TABLES.set(n, found);
  }
  return found;
}

function reverseBits(value: number, n: number): number {
  let reversed = 0;
  for (let bit = 1; bit < n; bit <<= 1) {
    reversed = (reversed << 1) | (value & 1);
    value >>= 1;
  }
  return reversed;
}
