import { hannWindow, powerSpectrum } from './power-spectrum.js';

const FRAME = 1024;
/** Frames per second of the spectral measures: 25, so a stretch of whole seconds is whole frames. */
const ANALYSIS_RATE = 25;
const BANDS = 32;
/** Frames whose mean power is below this (about -90 dBFS) count as silent and are left out of spectral measures. */
const SILENT_POWER = 1e-9 * FRAME;

/**
 * Share of 50 ms blocks whose RMS level is below `thresholdDb` dBFS (default -60): how much of a take
 * is silence.
 *
 * @example
 * ```ts
 * silenceRatio(new Float32Array(32000), 32000); // 1
 * ```
 */
export function silenceRatio(samples: Float32Array, sampleRate: number, thresholdDb = -60): number {
  const block = Math.max(1, Math.round(sampleRate * 0.05));
  const threshold = 10 ** (thresholdDb / 10);
  let blocks = 0;
  let silent = 0;
  for (let start = 0; start < samples.length; start += block) {
    const end = Math.min(samples.length, start + block);
    let sum = 0;
    for (let i = start; i < end; i++) sum += (samples[i] as number) ** 2;
    blocks++;
    if (sum / (end - start) < threshold) silent++;
  }
  return blocks === 0 ? 1 : silent / blocks;
}

/**
 * Share of samples at or beyond `level` in magnitude (default 0.999 of full scale): how clipped the
 * decoded audio is before normalisation.
 *
 * @example
 * ```ts
 * clippingRatio(Float32Array.of(0.2, 1, -1.3, 0.5)); // 0.5
 * ```
 */
export function clippingRatio(samples: Float32Array, level = 0.999): number {
  if (samples.length === 0) return 0;
  let clipped = 0;
  for (let i = 0; i < samples.length; i++) if (Math.abs(samples[i] as number) >= level) clipped++;
  return clipped / samples.length;
}

/**
 * Power spectra of overlapping Hann-windowed frames (1024 samples, 25 frames a second, so a hop of 1280
 * at 32 kHz); silent frames are `undefined`. Computed once and shared by the spectral measures.
 */
export function trackSpectra(samples: Float32Array, sampleRate: number): (Float64Array | undefined)[] {
  const window = hannWindow(FRAME);
  const hop = Math.max(1, Math.round(sampleRate / ANALYSIS_RATE));
  const frames: (Float64Array | undefined)[] = [];
  for (let start = 0; start + FRAME <= samples.length; start += hop) {
    const power = powerSpectrum(samples.subarray(start, start + FRAME), window);
    let sum = 0;
    for (let k = 1; k < power.length; k++) sum += power[k] as number;
    frames.push(sum / (power.length - 1) < SILENT_POWER ? undefined : power);
  }
  return frames;
}

/**
 * Median over non-silent frames of the spectral flatness (geometric over arithmetic mean of the power
 * spectrum, DC left out): near 0 for tones and music, about 0.56 for white noise. 0 when every frame is
 * silent or the take is shorter than one frame (1024 samples).
 *
 * @example
 * ```ts
 * spectralFlatness(trackSpectra(whiteNoise, 32000)); // ≈ 0.56
 * ```
 */
export function spectralFlatness(spectra: readonly (Float64Array | undefined)[]): number {
  const values: number[] = [];
  for (const power of spectra) {
    if (power === undefined) continue;
    let logSum = 0;
    let sum = 0;
    for (let k = 1; k < power.length; k++) {
      const p = (power[k] as number) + 1e-20;
      logSum += Math.log(p);
      sum += p;
    }
    const bins = power.length - 1;
    values.push(Math.exp(logSum / bins) / (sum / bins));
  }
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] as number;
}

/**
 * Share of the take's seconds (after the first) that are a near-copy of an earlier stretch: for each
 * second, the closest earlier stretch of the same length (at any frame offset, up to 30 s back) is
 * compared band by band (32 bands, in dB); a copy is within `toleranceDb` (default 0.5 dB RMS). An
 * exact loop scores 1, a tone held still scores 1 (stuck on one sound), music that develops scores low.
 *
 * @example
 * ```ts
 * repetitionScore(trackSpectra(oneSecondLoopTenTimes, 32000)); // 1
 * ```
 */
export function repetitionScore(spectra: readonly (Float64Array | undefined)[], toleranceDb = 0.5): number {
  const frames = spectra.map((power) => (power === undefined ? undefined : bandLevels(power)));
  const perSecond = ANALYSIS_RATE;
  const maxBack = 30 * perSecond;
  let seconds = 0;
  let copies = 0;
  for (let start = perSecond; start + perSecond <= frames.length; start += perSecond) {
    seconds++;
    let best = Number.POSITIVE_INFINITY;
    for (
      let earlier = Math.max(0, start - maxBack);
      earlier + perSecond <= start && best > toleranceDb;
      earlier++
    ) {
      best = Math.min(best, distance(frames, start, earlier, perSecond, toleranceDb));
    }
    if (best <= toleranceDb) copies++;
  }
  return seconds === 0 ? 0 : copies / seconds;
}

function bandLevels(power: Float64Array): Float64Array {
  const levels = new Float64Array(BANDS);
  const perBand = Math.floor((power.length - 1) / BANDS);
  for (let b = 0; b < BANDS; b++) {
    let sum = 1e-20;
    for (let k = 1 + b * perBand; k < 1 + (b + 1) * perBand; k++) sum += power[k] as number;
    levels[b] = 10 * Math.log10(sum);
  }
  return levels;
}

/**
 * RMS difference in dB between `length` frames at `a` and at `b` (silent frames match only silent ones),
 * or Infinity as soon as it cannot come within `limitDb`: most candidates are rejected after a few frames.
 */
function distance(
  frames: (Float64Array | undefined)[],
  a: number,
  b: number,
  length: number,
  limitDb: number,
): number {
  const budget = limitDb * limitDb * length * BANDS;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < length; i++) {
    const x = frames[a + i];
    const y = frames[b + i];
    if (x === undefined || y === undefined) {
      if (x !== y) return Number.POSITIVE_INFINITY;
      continue;
    }
    for (let band = 0; band < BANDS; band++) sum += ((x[band] as number) - (y[band] as number)) ** 2;
    count += BANDS;
    if (sum > budget) return Number.POSITIVE_INFINITY;
  }
  return count === 0 ? 0 : Math.sqrt(sum / count);
}
