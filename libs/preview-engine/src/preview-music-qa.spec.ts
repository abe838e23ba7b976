import { SAMPLE_RATE_HZ } from '@musicgen/contract';
import { assessTrack } from '@musicgen/wav';
import { describe, expect, it } from 'vitest';
import { generateReferenceCodes } from './code-generator.js';
import { decodeCodes } from './decode-codes.js';

describe("the preview engine's music under the take QA of @musicgen/wav", () => {
  it.each([
    ['calm lofi piano', 1n, 500],
    ['upbeat electronic dance track', 3n, 1500],
    ['dark cinematic strings', 42n, 500],
  ])('%s (seed %s, %i frames) is ok', (text, seed, frames) => {
    const codes = generateReferenceCodes(
      {
        text,
        promptCodes: new Int32Array(0),
        promptFrames: 0,
        seed,
        guidanceScale: 3,
        topK: 250,
        topP: 0,
        temperature: 1,
      },
      frames,
    );
    expect(assessTrack(decodeCodes(codes, frames), SAMPLE_RATE_HZ)).toMatchObject({
      verdict: 'ok',
      reasons: [],
    });
  });
});
