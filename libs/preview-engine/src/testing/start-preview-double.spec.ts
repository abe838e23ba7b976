import { SAMPLE_RATE_HZ } from '@musicgen/contract';
import { MusicgenClient, TritonClient } from '@musicgen/triton-client';
import { assessTrack } from '@musicgen/wav';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewEngine } from '../preview-engine.js';
import { startPreviewDouble } from './start-preview-double.js';

let engine: PreviewEngine;
let client: TritonClient;
let musicgen: MusicgenClient;

beforeAll(async () => {
  engine = await startPreviewDouble({
    silentSeeds: [7],
    noiseSeeds: [9],
    facts: (facts) => ({ ...facts, contract: '9.9' }),
  });
  client = new TritonClient({ address: engine.url });
  musicgen = new MusicgenClient({ client });
});
afterAll(async () => {
  client.close();
  await engine.close();
});

const take = async (seed: bigint) => {
  const codes = await musicgen.generateWindow({ text: 'calm lofi piano', frames: 250, seed });
  return musicgen.decode(codes);
};

describe('startPreviewDouble', () => {
  it('decodes a window of a silent seed to digital silence', async () => {
    const audio = await take(7n);
    expect([audio.length, audio.every((x) => x === 0)]).toEqual([250 * 640, true]);
  });

  it('decodes a window of a noise seed to white noise', async () => {
    expect(assessTrack(await take(9n), SAMPLE_RATE_HZ)).toMatchObject({
      verdict: 'suspect',
      reasons: ['noise'],
    });
  });

  it('publishes the facts it is given', async () => {
    expect((await musicgen.facts())?.contract).toBe('9.9');
  });

  it("gives every other seed the engine's music", async () => {
    expect(assessTrack(await take(8n), SAMPLE_RATE_HZ)).toMatchObject({ verdict: 'ok', reasons: [] });
  });
});
