import { performance } from 'node:perf_hooks';

/** Runs `fn` `runs` times after one warm-up run and returns the durations in milliseconds, sorted. */
export function time(runs: number, fn: () => void): number[] {
  fn();
  const durations: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    durations.push(performance.now() - start);
  }
  return durations.sort((a, b) => a - b);
}

export const median = (sorted: readonly number[]): number => sorted[Math.floor(sorted.length / 2)] as number;

/** Music-like test audio: a few partials with a slow tremolo and some noise, peak below 1. */
export function testAudio(seconds: number, sampleRate = 32000): Float32Array {
  const out = new Float32Array(seconds * sampleRate);
  let seed = 12345;
  for (let i = 0; i < out.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const t = i / sampleRate;
    const tremolo = 0.6 + 0.3 * Math.sin(2 * Math.PI * 0.25 * t);
    const partials = 0.4 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 660 * t);
    out[i] = tremolo * partials + 0.05 * (seed / 2 ** 31 - 1);
  }
  return out;
}
