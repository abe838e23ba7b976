import { LoudnessMeter } from './loudness-meter.js';
import { validateChannelCount, validateChannels } from './wav-options.js';
import { SAMPLE_RATE_HZ } from '@musicgen/contract';

/** How to bring audio to a standard level (audiocraft's `audio_write` strategies). */
export type NormalizationStrategy = 'peak' | 'clip' | 'rms' | 'loudness' | 'none';

/** Options of {@link NormalizationMeter}, {@link planNormalization} and `normalize`. */
export interface NormalizationOptions {
  /** Default `'peak'`. */
  readonly strategy?: NormalizationStrategy;
  /** Sample rate in Hz (used by `'loudness'`). Default 32000. */
  readonly sampleRate?: number;
  /** Channels pushed into a {@link NormalizationMeter} (1 or 2). Default 1; the functions infer it. */
  readonly channels?: number;
  /** `'peak'`: peak target, `'clip'`: clamp level, in dB below full scale. Default 1 (≈ 0.891). */
  readonly peakHeadroomDb?: number;
  /** `'rms'`: RMS target of the mono mix, in dB below full scale. Default 18 (≈ 0.126). */
  readonly rmsHeadroomDb?: number;
  /** `'loudness'`: integrated loudness target in LUFS. Default -14. */
  readonly targetLufs?: number;
  /** `'loudness'`: no gain when the RMS over all samples is below this (near silence). Default 2e-3. */
  readonly energyFloor?: number;
}

/** What to apply: multiply by `gain`, then clamp to `[-limit, limit]`. Spread into encoder options. */
export interface NormalizationPlan {
  readonly strategy: NormalizationStrategy;
  readonly gain: number;
  readonly limit: number;
  /**
   * The level the gain comes from: peak |x| (`'peak'`), RMS of the mono mix (`'rms'`), integrated loudness
   * in LUFS, -Infinity when nothing passes the gates (`'loudness'`); null for `'clip'` and `'none'`.
   */
  readonly measured: number | null;
}

const STRATEGIES: readonly NormalizationStrategy[] = ['peak', 'clip', 'rms', 'loudness', 'none'];
const ACTION = 'Cannot normalise audio';
const dbToLinear = (db: number): number => 10 ** (db / 20);

/**
 * Measures audio pushed in chunks for one normalisation strategy and plans the gain. Use it to normalise
 * audio that is streamed to a file: measure in a first pass, then encode with `{ gain, limit }`.
 *
 * Strategies: `'peak'` scales so max |x| = 10^(-peakHeadroomDb/20); `'clip'` clamps to
 * ±10^(-peakHeadroomDb/20) without gain; `'rms'` scales the mono mix's RMS to 10^(-rmsHeadroomDb/20), then
 * clamps to ±1; `'loudness'` scales the BS.1770 integrated loudness to `targetLufs` unless the RMS is below
 * `energyFloor` or nothing passes the gates, then clamps to ±1; `'none'` keeps samples (the encoder still
 * clamps to ±1). Silence gets gain 1 with every strategy.
 *
 * @example
 * ```ts
 * import { NormalizationMeter } from '@musicgen/wav';
 * const meter = new NormalizationMeter({ strategy: 'loudness' });
 * meter.push([new Float32Array(32000).fill(0.25)]);
 * const { gain, limit } = meter.plan();
 * ```
 *
 * @throws {RangeError} when an option is out of range.
 */
export class NormalizationMeter {
  readonly #strategy: NormalizationStrategy;
  readonly #channels: number;
  readonly #options: Required<
    Pick<NormalizationOptions, 'peakHeadroomDb' | 'rmsHeadroomDb' | 'targetLufs' | 'energyFloor'>
  >;
  readonly #loudness: LoudnessMeter | undefined;
  #peak = 0;
  #sumSquares = 0;
  #monoSumSquares = 0;
  #frames = 0;

  constructor(options: NormalizationOptions = {}) {
    const {
      strategy = 'peak',
      sampleRate = SAMPLE_RATE_HZ,
      channels = 1,
      peakHeadroomDb = 1,
      rmsHeadroomDb = 18,
      targetLufs = -14,
      energyFloor = 2e-3,
    } = options;
    if (!STRATEGIES.includes(strategy)) {
      throw new RangeError(
        `${ACTION}: strategy must be one of ${STRATEGIES.map((s) => `'${s}'`).join(', ')}: got ${JSON.stringify(strategy)}`,
      );
    }
    validateChannelCount(ACTION, channels);
    for (const [name, value] of [
      ['peakHeadroomDb', peakHeadroomDb],
      ['rmsHeadroomDb', rmsHeadroomDb],
      ['energyFloor', energyFloor],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`${ACTION}: ${name} must be a finite number >= 0: got ${value}`);
      }
    }
    if (!Number.isFinite(targetLufs) || targetLufs > 0) {
      throw new RangeError(`${ACTION}: targetLufs must be a finite number <= 0: got ${targetLufs}`);
    }
    this.#strategy = strategy;
    this.#channels = channels;
    this.#options = { peakHeadroomDb, rmsHeadroomDb, targetLufs, energyFloor };
    this.#loudness = strategy === 'loudness' ? new LoudnessMeter({ sampleRate, channels }) : undefined;
  }

  /** Adds a chunk: one Float32Array per channel, all of the same length. */
  push(channels: readonly Float32Array[]): void {
    const frames = validateChannels(ACTION, channels, this.#channels);
    this.#frames += frames;
    const strategy = this.#strategy;
    if (strategy === 'clip' || strategy === 'none') return;
    let peak = this.#peak;
    let sum = 0;
    for (const channel of channels) {
      for (let i = 0; i < frames; i++) {
        const x = channel[i] as number;
        sum += x * x;
        const a = x < 0 ? -x : x;
        if (a > peak) peak = a;
      }
    }
    this.#peak = peak;
    this.#sumSquares += sum;
    if (strategy === 'rms') {
      const [left, right] = channels as [Float32Array, Float32Array | undefined];
      let monoSum = 0;
      for (let i = 0; i < frames; i++) {
        const m = right ? ((left[i] as number) + (right[i] as number)) / 2 : (left[i] as number);
        monoSum += m * m;
      }
      this.#monoSumSquares += monoSum;
    }
    this.#loudness?.push(channels);
  }

  /**
   * The gain and limit for everything pushed so far.
   * @throws {RangeError} when the audio held NaN or infinite samples.
   */
  plan(): NormalizationPlan {
    const strategy = this.#strategy;
    const { peakHeadroomDb, rmsHeadroomDb, targetLufs, energyFloor } = this.#options;
    if (strategy === 'none') return { strategy, gain: 1, limit: 1, measured: null };
    if (strategy === 'clip') return { strategy, gain: 1, limit: dbToLinear(-peakHeadroomDb), measured: null };
    if (!Number.isFinite(this.#sumSquares)) {
      throw new RangeError(`${ACTION}: samples must be finite numbers: got NaN or Infinity in the audio`);
    }
    if (strategy === 'peak') {
      const peak = this.#peak;
      return { strategy, gain: peak > 0 ? dbToLinear(-peakHeadroomDb) / peak : 1, limit: 1, measured: peak };
    }
    if (strategy === 'rms') {
      const rms = this.#frames > 0 ? Math.sqrt(this.#monoSumSquares / this.#frames) : 0;
      return { strategy, gain: rms > 0 ? dbToLinear(-rmsHeadroomDb) / rms : 1, limit: 1, measured: rms };
    }
    const loudness = (this.#loudness as LoudnessMeter).integratedLoudness();
    const samples = this.#frames * this.#channels;
    const energy = samples > 0 ? Math.sqrt(this.#sumSquares / samples) : 0;
    const skip = energy < energyFloor || !Number.isFinite(loudness);
    return { strategy, gain: skip ? 1 : dbToLinear(targetLufs - loudness), limit: 1, measured: loudness };
  }
}

/**
 * Plans normalisation of audio held in memory (one Float32Array per channel); see {@link NormalizationMeter}.
 *
 * @example
 * ```ts
 * import { encodeWav, planNormalization } from '@musicgen/wav';
 * const audio = [Float32Array.of(0.5, -0.25)];
 * const plan = planNormalization(audio, { strategy: 'peak' }); // gain ≈ 1.78, limit 1
 * const wav = encodeWav(audio, { gain: plan.gain, limit: plan.limit });
 * ```
 */
export function planNormalization(
  channels: readonly Float32Array[],
  options: NormalizationOptions = {},
): NormalizationPlan {
  validateChannels(ACTION, channels);
  const meter = new NormalizationMeter({ ...options, channels: channels.length });
  meter.push(channels);
  return meter.plan();
}
