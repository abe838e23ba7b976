import { describe, expect, it } from 'vitest';
import { assessTrack, DEFAULT_QA_THRESHOLDS } from './assess-track.js';
import {
  clippingRatio,
  repetitionScore,
  silenceRatio,
  spectralFlatness,
  trackSpectra,
} from './track-measures.js';

const RATE = 32000;
const SECONDS = 10;

/** A deterministic uniform source in [-1, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

function signal(make: (i: number) => number, seconds = SECONDS): Float32Array {
  return Float32Array.from({ length: RATE * seconds }, (_, i) => make(i));
}

const noise = random(1);
const loopSource = random(2);
const oneSecond = Float32Array.from(
  { length: RATE },
  (_, i) => 0.3 * loopSource() * Math.exp(-(i % 8000) / 2000),
);
const speechSource = random(3);
let smoothed = 0;

const SIGNALS: Record<string, Float32Array> = {
  silence: new Float32Array(RATE * SECONDS),
  'white noise': signal(() => 0.3 * noise()),
  'a held tone': signal((i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / RATE)),
  'a clipped, gliding sine': signal((i) =>
    Math.max(-1, Math.min(1, 1.5 * Math.sin((2 * Math.PI * 220 * i) / RATE + 3 * Math.sin(i / 5000)))),
  ),
  'one second looped': signal((i) => oneSecond[i % RATE] as number),
  'speech-like band-limited noise': signal((i) => {
    smoothed = 0.95 * smoothed + 0.05 * speechSource();
    return smoothed * (0.5 + 0.5 * Math.sin(i / 3000));
  }),
};

describe('assessTrack', () => {
  it.each<[string, string, string[]]>([
    ['silence', 'suspect', ['silent']],
    ['white noise', 'suspect', ['noise']],
    ['a held tone', 'suspect', ['repetitive']],
    ['a clipped, gliding sine', 'suspect', ['clipped']],
    ['one second looped', 'suspect', ['noise', 'repetitive']],
    ['speech-like band-limited noise', 'ok', []],
  ])('%s: %s %j', (name, verdict, reasons) => {
    const qa = assessTrack(SIGNALS[name] as Float32Array, RATE);
    expect([qa.verdict, qa.reasons]).toEqual([verdict, reasons]);
  });

  it('reports the figures behind the verdict', () => {
    expect(assessTrack(SIGNALS['white noise'] as Float32Array, RATE)).toEqual({
      loudnessLufs: expect.closeTo(-12.2, 0),
      silenceRatio: 0,
      clippingRatio: 0,
      flatness: expect.closeTo(0.56, 1),
      repetition: 0,
      verdict: 'suspect',
      reasons: ['noise'],
    });
    expect(assessTrack(SIGNALS.silence as Float32Array, RATE)).toMatchObject({
      loudnessLufs: null,
      silenceRatio: 1,
    });
  });

  it('takes other thresholds', () => {
    const lenient = { ...DEFAULT_QA_THRESHOLDS, maxFlatness: 0.9 };
    expect(assessTrack(SIGNALS['white noise'] as Float32Array, RATE, lenient).verdict).toBe('ok');
  });
});

describe('track measures', () => {
  it('measure silence, clipping, flatness and repetition on known signals', () => {
    const tone = SIGNALS['a held tone'] as Float32Array;
    expect([
      silenceRatio(new Float32Array(RATE), RATE),
      silenceRatio(tone, RATE),
      clippingRatio(Float32Array.of(0.2, 1, -1.3, 0.5)),
      clippingRatio(new Float32Array(0)),
      spectralFlatness(trackSpectra(tone, RATE)) < 0.01,
      spectralFlatness(trackSpectra(new Float32Array(RATE), RATE)),
      repetitionScore(trackSpectra(SIGNALS['one second looped'] as Float32Array, RATE)),
      repetitionScore(trackSpectra(SIGNALS['white noise'] as Float32Array, RATE)),
      repetitionScore(trackSpectra(new Float32Array(RATE / 2), RATE)),
    ]).toEqual([1, 0, 0.5, 0, true, 0, 1, 0, 0]);
  });
});
