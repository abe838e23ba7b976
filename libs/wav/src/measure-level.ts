import { validateChannels } from './wav-options.js';

/**
 * Largest absolute sample value over all channels (NaN if any sample is NaN).
 *
 * @example
 * ```ts
 * import { measurePeak } from '@musicgen/wav';
 * measurePeak([Float32Array.of(0.5, -0.75)]); // 0.75
 * ```
 */
export function measurePeak(channels: readonly Float32Array[]): number {
  validateChannels('Cannot measure peak', channels);
  let peak = 0;
  for (const channel of channels) {
    for (const x of channel) {
      const a = Math.abs(x);
      if (a > peak) peak = a;
      else if (a !== a) return Number.NaN;
    }
  }
  return peak;
}

/**
 * Root mean square of the mono mix (the per-frame mean of the channels), as the `'rms'` strategy uses;
 * 0 for empty audio.
 *
 * @example
 * ```ts
 * import { measureRms } from '@musicgen/wav';
 * measureRms([Float32Array.of(0.5, -0.5)]); // 0.5
 * ```
 */
export function measureRms(channels: readonly Float32Array[]): number {
  const frames = validateChannels('Cannot measure RMS', channels);
  if (frames === 0) return 0;
  let sum = 0;
  for (let i = 0; i < frames; i++) {
    let m = 0;
    for (const channel of channels) m += channel[i] as number;
    m /= channels.length;
    sum += m * m;
  }
  return Math.sqrt(sum / frames);
}
