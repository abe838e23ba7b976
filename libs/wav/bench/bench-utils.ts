import { performance } from 'node:perf_hooks';

/** Wall-clock and CPU (user + system, whole process) time of one run, in milliseconds. */
export interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * Runs `fn` `runs` times after one warm-up run. CPU time is reported beside wall time because shared
 * machines make wall time noisy: on an idle core the two agree.
 */
export function time(runs: number, fn: () => void): Timing[] {
  fn();
  const timings: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    fn();
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    timings.push({ wallMs, cpuMs: (used.user + used.system) / 1000 });
  }
  return timings;
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** "median wall ms (min–max), median CPU ms" for a set of timings. */
export function describeTimings(timings: readonly Timing[]): string {
  const wall = timings.map((t) => t.wallMs);
  return (
    `wall ${median(wall).toFixed(0)} ms (min ${Math.min(...wall).toFixed(0)}, max ${Math.max(...wall).toFixed(0)}), ` +
    `CPU ${median(timings.map((t) => t.cpuMs)).toFixed(0)} ms`
  );
}

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
