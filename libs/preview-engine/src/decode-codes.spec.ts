import { describe, expect, it } from 'vitest';
import { generateReferenceCodes, type GenerationParams } from './code-generator.js';
import { decodeCodes, decodeCodesCooperatively } from './decode-codes.js';
import { Prng } from './prng.js';

const base: GenerationParams = {
  text: '',
  promptCodes: new Int32Array(0),
  promptFrames: 0,
  seed: 7n,
  guidanceScale: 3,
  topK: 250,
  topP: 0,
  temperature: 1,
};

function stats(audio: Float32Array) {
  let peak = 0;
  let sum = 0;
  let squares = 0;
  let finite = true;
  for (const x of audio) {
    finite &&= Number.isFinite(x);
    peak = Math.max(peak, Math.abs(x));
    sum += x;
    squares += x * x;
  }
  return { finite, peak, mean: sum / audio.length, rms: Math.sqrt(squares / audio.length) };
}

function slice(codes: Int32Array, frames: number, from: number, to: number): Int32Array {
  const out = new Int32Array(4 * (to - from));
  for (let cb = 0; cb < 4; cb++)
    out.set(codes.subarray(cb * frames + from, cb * frames + to), cb * (to - from));
  return out;
}

describe('decodeCodes', () => {
  it.each([
    'sad piano in D minor',
    'upbeat synth pop',
    'lofi hip hop',
    'ambient pads',
    'epic orchestral strings',
    'edm house, heavy bass',
    'chiptune',
    'music box lullaby',
  ])('renders %j as music: 640 samples a frame, bounded, no DC, not silent', (text) => {
    const audio = decodeCodes(generateReferenceCodes({ ...base, text }, 150), 150);
    const s = stats(audio);
    expect(audio.length).toBe(150 * 640);
    expect(s.finite).toBe(true);
    expect(s.peak).toBeLessThan(1);
    expect(Math.abs(s.mean)).toBeLessThan(0.002);
    expect(s.rms).toBeGreaterThan(0.04);
    expect(s.rms).toBeLessThan(0.3);
  });

  it('is deterministic', () => {
    const codes = generateReferenceCodes({ ...base, text: 'bells' }, 60);
    expect(decodeCodes(codes, 60)).toEqual(decodeCodes(codes, 60));
  });

  it('decodes arbitrary valid codes into bounded audio', () => {
    const rng = new Prng(5);
    const codes = Int32Array.from({ length: 4 * 200 }, () => rng.int(2048));
    const s = stats(decodeCodes(codes, 200));
    expect(s.finite).toBe(true);
    expect(s.peak).toBeLessThan(1);
    expect(s.rms).toBeGreaterThan(0.01);
  });

  it('decodes a single frame', () => {
    expect(decodeCodes(generateReferenceCodes(base, 1), 1).length).toBe(640);
  });

  it.each(['lofi piano', 'ambient pads', 'edm house', 'strings'])(
    'gives %j segments that match the longer decode once the reverb tail has settled (one second)',
    (text) => {
      const frames = 400;
      const codes = generateReferenceCodes({ ...base, text }, frames);
      const full = decodeCodes(codes, frames);
      const part = decodeCodes(slice(codes, frames, 100, 300), 200);
      let early = 0;
      let late = 0;
      for (let i = 0; i < 199 * 640; i++) {
        const d = Math.abs((part[i] as number) - (full[100 * 640 + i] as number));
        if (i < 50 * 640) early = Math.max(early, d);
        else late = Math.max(late, d);
      }
      expect(early).toBeLessThan(0.2);
      expect(late).toBeLessThan(0.001);
    },
  );
});

describe('decodeCodesCooperatively', () => {
  it('gives the same samples as decodeCodes', async () => {
    const codes = generateReferenceCodes({ ...base, text: 'synth' }, 60);
    expect(await decodeCodesCooperatively(codes, 60)).toEqual(decodeCodes(codes, 60));
  });
});
