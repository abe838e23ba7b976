import type { Prng } from './prng.js';

/** Sampling knobs, with MusicGen's meaning: temperature 0 = greedy, topK 0 = off, topP 0 = off. */
export interface SamplingOptions {
  temperature: number;
  topK: number;
  topP: number;
}

/**
 * Picks an index from unnormalised log-scores the way a language model samples a token: softmax at
 * `temperature` (0 picks the best, first on ties), keep the `topK` best (0 = all), or when `topP` > 0
 * the smallest set whose probability reaches `topP` (top-p takes precedence over top-k), then draw
 * with `rng`. Scores of -Infinity are never picked. Always consumes exactly one random number, so
 * the random stream does not depend on the knobs.
 *
 * @example
 * ```ts
 * sampleChoice([0, 2, 1], { temperature: 0, topK: 0, topP: 0 }, new Prng(1)); // 1
 * ```
 */
export function sampleChoice(scores: readonly number[], options: SamplingOptions, rng: Prng): number {
  const draw = rng.next();
  const order = scores
    .map((score, index) => ({ score, index }))
    .filter((c) => c.score > -Infinity)
    .sort((a, b) => b.score - a.score || a.index - b.index);
  const first = order[0];
  if (!first) throw new RangeError('Cannot sample: no candidate has a finite score');
  if (options.temperature <= 0 || order.length === 1) return first.index;
  const weights = order.map((c) => Math.exp((c.score - first.score) / options.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let keep = order.length;
  if (options.topP > 0) {
    let mass = 0;
    keep = 0;
    while (keep < order.length && mass < options.topP * total) mass += weights[keep++] as number;
  } else if (options.topK > 0) {
    keep = Math.min(options.topK, order.length);
  }
  const kept = weights.slice(0, keep);
  let target = draw * kept.reduce((a, b) => a + b, 0);
  for (let i = 0; i < keep; i++) {
    target -= kept[i] as number;
    if (target < 0) return (order[i] as { index: number }).index;
  }
  return (order[keep - 1] as { index: number }).index;
}
