import { measureLoudness } from './loudness-meter.js';
import {
  clippingRatio,
  repetitionScore,
  silenceRatio,
  spectralFlatness,
  trackSpectra,
} from './track-measures.js';

/** Limits beyond which a take is flagged. First guesses, not measured on real MusicGen output. */
export interface QaThresholds {
  /** Integrated loudness (LUFS) below which a take is called silent. */
  readonly minLoudnessLufs: number;
  /** Share of 50 ms blocks below -60 dBFS above which a take is called silent. */
  readonly maxSilenceRatio: number;
  /** Share of samples at full scale above which a take is called clipped. */
  readonly maxClippingRatio: number;
  /** Median spectral flatness above which a take is called noise. */
  readonly maxFlatness: number;
  /** Share of seconds that copy an earlier one above which a take is called stuck. */
  readonly maxRepetition: number;
}

/** The default {@link QaThresholds}: advisory first guesses, to be revised against real takes. */
export const DEFAULT_QA_THRESHOLDS: QaThresholds = Object.freeze({
  minLoudnessLufs: -50,
  maxSilenceRatio: 0.5,
  maxClippingRatio: 0.001,
  maxFlatness: 0.35,
  maxRepetition: 0.75,
});

/** Why a take is suspect. */
export type QaReason = 'silent' | 'clipped' | 'noise' | 'repetitive';

/** What {@link assessTrack} measured and what it makes of it. */
export interface TrackQa {
  /** Integrated loudness in LUFS (BS.1770), null for silence (or a take under 0.4 s). */
  readonly loudnessLufs: number | null;
  readonly silenceRatio: number;
  readonly clippingRatio: number;
  readonly flatness: number;
  readonly repetition: number;
  readonly verdict: 'ok' | 'suspect';
  /** Every limit the take passed, in a fixed order; empty when `ok`. */
  readonly reasons: readonly QaReason[];
}

/**
 * Measures a mono take (the decoded audio, before normalisation) and gives an advisory verdict: silent,
 * clipped, noise-like or stuck on one sound. MusicGen repeats itself by nature, and nothing here was tuned
 * on its real output: the verdict flags takes to listen to, it does not judge music.
 *
 * @example
 * ```ts
 * const qa = assessTrack(audio, 32000);
 * if (qa.verdict === 'suspect') console.warn(qa.reasons.join(', '));
 * ```
 */
export function assessTrack(
  samples: Float32Array,
  sampleRate: number,
  thresholds: QaThresholds = DEFAULT_QA_THRESHOLDS,
): TrackQa {
  const loudness =
    samples.length >= sampleRate * 0.4 ? measureLoudness([samples], { sampleRate }) : -Infinity;
  const spectra = trackSpectra(samples, sampleRate);
  const figures = {
    loudnessLufs: Number.isFinite(loudness) ? round(loudness) : null,
    silenceRatio: round(silenceRatio(samples, sampleRate)),
    clippingRatio: round(clippingRatio(samples), 6),
    flatness: round(spectralFlatness(spectra)),
    repetition: round(repetitionScore(spectra)),
  };
  const reasons: QaReason[] = [];
  const quiet = figures.loudnessLufs === null || figures.loudnessLufs < thresholds.minLoudnessLufs;
  if (quiet || figures.silenceRatio > thresholds.maxSilenceRatio) {
    reasons.push('silent');
  }
  if (figures.clippingRatio > thresholds.maxClippingRatio) reasons.push('clipped');
  if (figures.flatness > thresholds.maxFlatness) reasons.push('noise');
  // silence repeats itself too; saying so would add nothing
  if (figures.repetition > thresholds.maxRepetition && !reasons.includes('silent'))
    reasons.push('repetitive');
  return { ...figures, verdict: reasons.length === 0 ? 'ok' : 'suspect', reasons };
}

function round(value: number, digits = 3): number {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : value;
}
