import { describe, expect, it } from 'vitest';
import { CodeGenerator, generateReferenceCodes, type GenerationParams } from './code-generator.js';
import { barFrames, stepStart, unpackFrame } from './frame-code.js';

const base: GenerationParams = {
  text: 'lofi piano',
  promptCodes: new Int32Array(0),
  promptFrames: 0,
  seed: 7n,
  guidanceScale: 3,
  topK: 250,
  topP: 0,
  temperature: 1,
};

function frameAt(codes: Int32Array, frames: number, f: number) {
  const at = (i: number) => codes[i] as number;
  return unpackFrame(at(f), at(frames + f), at(2 * frames + f), at(3 * frames + f));
}

describe('generateReferenceCodes', () => {
  it('pins the first frames for a prompt and seed', () => {
    expect(Array.from(generateReferenceCodes(base, 4))).toEqual([
      136, 136, 136, 136, 27, 59, 91, 123, 1024, 1040, 1056, 1072, 563, 563, 563, 563,
    ]);
  });

  it('is deterministic and independent of the frame count (a prefix of a longer request)', () => {
    const long = generateReferenceCodes(base, 600);
    const short = generateReferenceCodes(base, 250);
    for (let cb = 0; cb < 4; cb++) {
      expect(Array.from(short.subarray(cb * 250, cb * 250 + 250))).toEqual(
        Array.from(long.subarray(cb * 600, cb * 600 + 250)),
      );
    }
    expect(generateReferenceCodes(base, 600)).toEqual(long);
  });

  it('depends on the seed and the text', () => {
    const a = generateReferenceCodes(base, 300);
    expect(generateReferenceCodes({ ...base, seed: 8n }, 300)).not.toEqual(a);
    expect(generateReferenceCodes({ ...base, text: 'lofi piano!' }, 300)).not.toEqual(a);
  });

  it('keeps every code within 0..2047 for many prompts and knobs', () => {
    const texts = [
      '',
      'ambient',
      'fast chiptune',
      'sad strings in C# minor',
      'edm 180 bpm',
      'slow bells 60 bpm',
    ];
    for (const [i, text] of texts.entries()) {
      const codes = generateReferenceCodes(
        { ...base, text, seed: BigInt(i), temperature: i / 3, topK: i, topP: i % 2 ? 0.9 : 0 },
        1500,
      );
      expect(codes.every((c) => c >= 0 && c <= 2047)).toBe(true);
    }
  });

  it('keeps the bar clock, key, tempo and palette steady and restrikes lead notes in time', () => {
    const frames = 1500;
    const codes = generateReferenceCodes({ ...base, text: 'slow piano 60 bpm' }, frames);
    const first = frameAt(codes, frames, 0);
    const fpb = barFrames(first.tempoIndex);
    expect(fpb).toBe(200);
    for (let f = 0; f < frames; f++) {
      const fr = frameAt(codes, frames, f);
      expect([fr.tempoIndex, fr.palette, fr.tonic, fr.minor]).toEqual([
        first.tempoIndex,
        first.palette,
        first.tonic,
        first.minor,
      ]);
      expect(stepStart(fr.step, fpb) + fr.stepAge).toBe(f % fpb);
      if (fr.pitch > 0) expect(fr.age).toBeLessThanOrEqual(52);
    }
  });

  it('is greedy and seed-independent in its note choices at temperature 0', () => {
    const text = 'piano in C major 120 bpm';
    const a = generateReferenceCodes({ ...base, text, temperature: 0, seed: 1n }, 400);
    const b = generateReferenceCodes({ ...base, text, temperature: 0, seed: 2n }, 400);
    expect(a.subarray(0, 800)).toEqual(b.subarray(0, 800));
  });
});

describe('continuation from PROMPT_CODES', () => {
  it('carries on the bar clock, tempo, palette, key and chord of the context', () => {
    const p = 600;
    const context = generateReferenceCodes({ ...base, text: 'upbeat synth pop in E minor' }, p);
    const next = generateReferenceCodes(
      { ...base, text: 'upbeat synth pop in E minor', promptCodes: context, promptFrames: p, seed: 99n },
      300,
    );
    const last = frameAt(context, p, p - 1);
    const fpb = barFrames(last.tempoIndex);
    const lastOffset = stepStart(last.step, fpb) + last.stepAge;
    for (let f = 0; f < 300; f++) {
      const fr = frameAt(next, 300, f);
      expect([fr.tempoIndex, fr.palette, fr.tonic, fr.minor]).toEqual([
        last.tempoIndex,
        last.palette,
        last.tonic,
        last.minor,
      ]);
      expect(stepStart(fr.step, fpb) + fr.stepAge).toBe((lastOffset + 1 + f) % fpb);
    }
    const head = frameAt(next, 300, 0);
    if (head.stepAge !== 0 || head.step % 4 !== 0)
      expect([head.degree, head.beatInChord]).toEqual([last.degree, last.beatInChord]);
  });

  it('continues the lead note that was sounding until the next step', () => {
    const p = 37;
    const context = generateReferenceCodes(base, p);
    const last = frameAt(context, p, p - 1);
    const gen = new CodeGenerator({ ...base, promptCodes: context, promptFrames: p });
    const first = unpackFrame(...gen.nextFrame());
    if (first.stepAge > 0) expect([first.pitch, first.age]).toEqual([last.pitch, last.age + 1]);
    else expect(first.age).toBe(0);
  });

  it('depends on the context codes', () => {
    const a = generateReferenceCodes(base, 100);
    const b = Int32Array.from(a);
    b[50] = ((b[50] as number) + 1) % 2048;
    const p1 = generateReferenceCodes({ ...base, promptCodes: a, promptFrames: 100 }, 200);
    const p2 = generateReferenceCodes({ ...base, promptCodes: b, promptFrames: 100 }, 200);
    expect(p1).not.toEqual(p2);
  });
});
