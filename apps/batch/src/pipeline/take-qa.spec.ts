import { DEFAULT_QA_THRESHOLDS } from '@musicgen/wav';
import type { RunReportQa } from '@musicgen/store';
import { describe, expect, it } from 'vitest';
import { assessTake, isBetterTake, nextSeed } from './take-qa.js';

const figures = { loudnessLufs: -14, silenceRatio: 0, clippingRatio: 0, flatness: 0.02, repetition: 0.1 };
const ok: RunReportQa = { verdict: 'ok', reasons: [], ...figures };
const suspect = (...reasons: string[]): RunReportQa => ({ verdict: 'suspect', reasons, ...figures });

describe('take QA', () => {
  it("records assessTrack's figures and verdict under the report's names", () => {
    expect(assessTake(new Float32Array(32_000 * 2), DEFAULT_QA_THRESHOLDS)).toEqual({
      verdict: 'suspect',
      reasons: ['silent'],
      loudnessLufs: null,
      silenceRatio: 1,
      clippingRatio: 0,
      flatness: 0,
      repetition: 1,
    });
  });

  it('applies the thresholds it is given', () => {
    const tone = Float32Array.from(
      { length: 32_000 * 3 },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 32_000),
    );
    expect(assessTake(tone, DEFAULT_QA_THRESHOLDS).reasons).toEqual(['repetitive']);
    expect(assessTake(tone, { ...DEFAULT_QA_THRESHOLDS, maxRepetition: 1 }).verdict).toBe('ok');
  });

  it.each<[string, RunReportQa, RunReportQa, boolean]>([
    ['ok over suspect', ok, suspect('repetitive'), true],
    ['suspect under ok', suspect('repetitive'), ok, false],
    ['repetitive over silent', suspect('repetitive'), suspect('silent'), true],
    ['noise over silent', suspect('noise'), suspect('silent'), true],
    ['clipped over noise', suspect('clipped'), suspect('noise'), true],
    ['clipped and repetitive over noise', suspect('clipped', 'repetitive'), suspect('noise'), true],
    ['a tie keeps the earlier take', suspect('noise'), suspect('noise'), false],
    ['ok ties with ok', ok, ok, false],
  ])('%s', (_, a, b, better) => {
    expect(isBetterTake(a, b)).toBe(better);
  });

  it('takes the next seed, wrapping after the largest', () => {
    expect([nextSeed(0), nextSeed(7), nextSeed(4294967294), nextSeed(4294967295)]).toEqual([
      1, 8, 4294967295, 0,
    ]);
  });
});
