import { measureLoudness } from '@musicgen/wav';
import type { NormalizeStrategy } from '../config/resolve-config.js';

/** Gain and limit for `encodeWav`, chosen by a normalisation strategy. */
export interface NormalizationGain {
  readonly gain: number;
  readonly limit: number;
}

const MINUS_1_DBFS = 10 ** (-1 / 20);
const RMS_TARGET = 10 ** (-18 / 20);
const LOUDNESS_TARGET_LUFS = -14;
/** Below this RMS the audio is treated as silence and left alone by `loudness` (audiocraft's floor). */
const ENERGY_FLOOR_RMS = 2e-3;

function peakOf(audio: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < audio.length; i++) {
    const a = Math.abs(audio[i] as number);
    if (a > peak) peak = a;
  }
  return peak;
}

function rmsOf(audio: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < audio.length; i++) sum += (audio[i] as number) ** 2;
  return audio.length > 0 ? Math.sqrt(sum / audio.length) : 0;
}

/**
 * The gain and limit that normalise mono audio by `strategy` (audiocraft's rules): `peak` scales the
 * peak to -1 dBFS; `clip` clamps to ±(-1 dBFS) without gain; `rms` scales the RMS to -18 dBFS, then
 * clamps to ±1; `loudness` scales BS.1770 integrated loudness to -14 LUFS (left alone below an RMS of
 * 2e-3), then clamps to ±1; `none` changes nothing (the encoder still clamps to ±1). Silence keeps gain 1.
 *
 * This lives in the app until `@musicgen/wav` exports its own planner with the same rules.
 *
 * @example
 * ```ts
 * const { gain, limit } = normalizationGain(audio, 'peak');
 * const wav = encodeWav([audio], { format: 'pcm16', gain, limit });
 * ```
 */
export function normalizationGain(audio: Float32Array, strategy: NormalizeStrategy): NormalizationGain {
  switch (strategy) {
    case 'none':
      return { gain: 1, limit: 1 };
    case 'clip':
      return { gain: 1, limit: MINUS_1_DBFS };
    case 'peak': {
      const peak = peakOf(audio);
      return { gain: peak > 0 ? MINUS_1_DBFS / peak : 1, limit: 1 };
    }
    case 'rms': {
      const rms = rmsOf(audio);
      return { gain: rms > 0 ? RMS_TARGET / rms : 1, limit: 1 };
    }
    case 'loudness': {
      if (rmsOf(audio) < ENERGY_FLOOR_RMS) return { gain: 1, limit: 1 };
      const lufs = measureLoudness([audio]);
      return { gain: Number.isFinite(lufs) ? 10 ** ((LOUDNESS_TARGET_LUFS - lufs) / 20) : 1, limit: 1 };
    }
  }
}
