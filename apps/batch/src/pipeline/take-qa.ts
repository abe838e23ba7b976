import { MAX_SEED, SAMPLE_RATE_HZ } from '@musicgen/contract';
import type { RunReportQa } from '@musicgen/store';
import { assessTrack, type QaReason, type QaThresholds } from '@musicgen/wav';

/** How bad each reason is when two suspect takes are compared: silence is worst, repetition least. */
const REASON_WEIGHT: Readonly<Record<QaReason, number>> = {
  silent: 8,
  noise: 4,
  clipped: 2,
  repetitive: 1,
};

/**
 * The QA of a decoded take (before normalisation) as the report records it: `assessTrack`'s figures and
 * advisory verdict at the contract's sample rate.
 *
 * @example
 * ```ts
 * assessTake(new Float32Array(320_000), DEFAULT_QA_THRESHOLDS).reasons; // ['silent']
 * ```
 */
export function assessTake(audio: Float32Array, thresholds: QaThresholds): RunReportQa {
  const qa = assessTrack(audio, SAMPLE_RATE_HZ, thresholds);
  return {
    verdict: qa.verdict,
    reasons: [...qa.reasons],
    loudnessLufs: qa.loudnessLufs,
    silenceRatio: qa.silenceRatio,
    clippingRatio: qa.clippingRatio,
    flatness: qa.flatness,
    repetition: qa.repetition,
  };
}

/**
 * Whether take `a` is better than take `b` by the QA: an `ok` take beats a suspect one; between suspect
 * takes, the one whose reasons weigh less (silent 8, noise 4, clipped 2, repetitive 1) wins. A tie is
 * not better, so the earlier take is kept.
 *
 * @example
 * ```ts
 * isBetterTake(repetitiveQa, silentQa); // true
 * ```
 */
export function isBetterTake(a: RunReportQa, b: RunReportQa): boolean {
  if (a.verdict !== b.verdict) return a.verdict === 'ok';
  return weight(a) < weight(b);
}

function weight(qa: RunReportQa): number {
  return qa.reasons.reduce((sum, reason) => sum + (REASON_WEIGHT[reason as QaReason] ?? 0), 0);
}

/**
 * The seed a re-roll uses after `seed`: the next integer, wrapping to 0 after the largest seed.
 *
 * @example
 * ```ts
 * nextSeed(7); // 8
 * nextSeed(4294967295); // 0
 * ```
 */
export function nextSeed(seed: number): number {
  return seed >= MAX_SEED ? 0 : seed + 1;
}
