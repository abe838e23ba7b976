import { kWeighting } from './k-weighting.js';
import { validateChannelCount, validateChannels } from './wav-options.js';
import { SAMPLE_RATE_HZ } from '@musicgen/contract';

/** Options of {@link LoudnessMeter} and {@link measureLoudness}. */
export interface LoudnessOptions {
  /** Sample rate in Hz (8000..1000000); the K-weighting filters are derived for it. Default 32000. */
  readonly sampleRate?: number;
  /** Number of channels pushed (1 or 2, each weighted 1.0). Default 1; `measureLoudness` infers it. */
  readonly channels?: number;
}

/** The K-weighting shelf sits at ~1.7 kHz: below 8 kHz sampling its design is no longer meaningful. */
const MIN_SAMPLE_RATE = 8000;
const BLOCK_STEPS = 4; // 400 ms gating blocks made of four 100 ms steps: 75 % overlap
const STEP_SECONDS = 0.1;
const LOUDNESS_OFFSET_DB = -0.691;
const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;

const energyToLufs = (energy: number): number => LOUDNESS_OFFSET_DB + 10 * Math.log10(energy);
const lufsToEnergy = (lufs: number): number => 10 ** ((lufs - LOUDNESS_OFFSET_DB) / 10);

/**
 * Incremental ITU-R BS.1770-4 integrated loudness: push audio in chunks of any size, read the result at
 * the end. Memory grows by one number per 100 ms of audio.
 *
 * Each channel is K-weighted (two biquads derived for the sample rate, see the README); mean squares are
 * summed over channels (weights 1.0) in 400 ms blocks every 100 ms; blocks at or below -70 LUFS are dropped
 * (absolute gate), then blocks at or below (their mean loudness - 10 LU) (relative gate); the result is
 * the loudness of the mean energy of the remaining blocks. An incomplete last block is ignored.
 *
 * @example
 * ```ts
 * import { LoudnessMeter } from '@musicgen/wav';
 * const meter = new LoudnessMeter({ sampleRate: 32000 });
 * meter.push([new Float32Array(32000).fill(0.1)]);
 * meter.integratedLoudness(); // a number in LUFS, or -Infinity when nothing passes the gates
 * ```
 */
export class LoudnessMeter {
  readonly #channels: number;
  readonly #stepFrames: number;
  readonly #coefficients: Float64Array;
  /** Per channel: shelf s1, s2, high-pass s1, s2 (transposed direct form II). */
  readonly #state: Float64Array;
  readonly #recentSteps = new Float64Array(BLOCK_STEPS);
  #stepCount = 0;
  #stepEnergy = 0;
  #stepFill = 0;
  #blockEnergies: number[] = [];

  /** @throws {RangeError} when `sampleRate` or `channels` is out of range. */
  constructor(options: LoudnessOptions = {}) {
    const { sampleRate = SAMPLE_RATE_HZ, channels = 1 } = options;
    if (!Number.isInteger(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > 1_000_000) {
      throw new RangeError(
        `Cannot measure loudness: sampleRate must be an integer from ${MIN_SAMPLE_RATE} to 1000000: got ${sampleRate}`,
      );
    }
    validateChannelCount('Cannot measure loudness', channels);
    this.#channels = channels;
    this.#stepFrames = Math.round(sampleRate * STEP_SECONDS);
    const [shelf, highPass] = kWeighting(sampleRate);
    this.#coefficients = Float64Array.of(
      shelf.b0,
      shelf.b1,
      shelf.b2,
      shelf.a1,
      shelf.a2,
      highPass.b0,
      highPass.b1,
      highPass.b2,
      highPass.a1,
      highPass.a2,
    );
    this.#state = new Float64Array(4 * channels);
  }

  /** Adds a chunk: one Float32Array per channel, all of the same length. */
  push(channels: readonly Float32Array[]): void {
    const frames = validateChannels('Cannot measure loudness', channels, this.#channels);
    let start = 0;
    while (start < frames) {
      const span = Math.min(frames - start, this.#stepFrames - this.#stepFill);
      for (let c = 0; c < this.#channels; c++) {
        this.#stepEnergy += this.#filterSquares(channels[c] as Float32Array, start, span, c);
      }
      start += span;
      this.#stepFill += span;
      if (this.#stepFill === this.#stepFrames) this.#closeStep();
    }
  }

  /** Integrated loudness in LUFS of everything pushed so far; -Infinity when no block passes the gates. */
  integratedLoudness(): number {
    const absoluteGate = lufsToEnergy(ABSOLUTE_GATE_LUFS);
    const loudEnough = this.#blockEnergies.filter((z) => z > absoluteGate);
    if (loudEnough.length === 0) return -Infinity;
    const relativeGate = lufsToEnergy(energyToLufs(mean(loudEnough)) + RELATIVE_GATE_LU);
    const gated = loudEnough.filter((z) => z > relativeGate);
    return energyToLufs(mean(gated));
  }

  #filterSquares(samples: Float32Array, start: number, count: number, channel: number): number {
    const k = this.#coefficients;
    const b0 = k[0] as number,
      b1 = k[1] as number,
      b2 = k[2] as number,
      a1 = k[3] as number,
      a2 = k[4] as number;
    const c0 = k[5] as number,
      c1 = k[6] as number,
      c2 = k[7] as number,
      d1 = k[8] as number,
      d2 = k[9] as number;
    const state = this.#state;
    const base = 4 * channel;
    let s1 = state[base] as number,
      s2 = state[base + 1] as number;
    let t1 = state[base + 2] as number,
      t2 = state[base + 3] as number;
    let sum = 0;
    for (let i = start, end = start + count; i < end; i++) {
      const x = samples[i] as number;
      const y = b0 * x + s1;
      s1 = b1 * x - a1 * y + s2;
      s2 = b2 * x - a2 * y;
      const z = c0 * y + t1;
      t1 = c1 * y - d1 * z + t2;
      t2 = c2 * y - d2 * z;
      sum += z * z;
    }
    state[base] = s1;
    state[base + 1] = s2;
    state[base + 2] = t1;
    state[base + 3] = t2;
    return sum;
  }

  #closeStep(): void {
    this.#recentSteps[this.#stepCount % BLOCK_STEPS] = this.#stepEnergy;
    this.#stepCount++;
    this.#stepEnergy = 0;
    this.#stepFill = 0;
    if (this.#stepCount >= BLOCK_STEPS) {
      let sum = 0;
      for (const energy of this.#recentSteps) sum += energy;
      this.#blockEnergies.push(sum / (BLOCK_STEPS * this.#stepFrames));
    }
  }
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * ITU-R BS.1770-4 integrated loudness (LUFS) of mono or stereo audio held in memory; see
 * {@link LoudnessMeter} for the method. Returns -Infinity for audio shorter than 400 ms or silent.
 *
 * @example
 * ```ts
 * import { measureLoudness } from '@musicgen/wav';
 * const sine = Float32Array.from({ length: 32000 * 5 }, (_, i) => Math.sin((2 * Math.PI * 997 * i) / 32000));
 * measureLoudness([sine]); // ≈ -3.0
 * ```
 */
export function measureLoudness(channels: readonly Float32Array[], options: LoudnessOptions = {}): number {
  validateChannels('Cannot measure loudness', channels);
  const meter = new LoudnessMeter({ sampleRate: options.sampleRate, channels: channels.length });
  meter.push(channels);
  return meter.integratedLoudness();
}
