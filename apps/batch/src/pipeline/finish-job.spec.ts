import { parsePrompts, type PromptJob } from '@musicgen/prompts';
import { decodeAudioMetadata } from '@musicgen/store';
import { describe, expect, it } from 'vitest';
import { finishAudio, jobMetadata } from './finish-job.js';

async function job(line: string): Promise<PromptJob> {
  const { jobs } = await parsePrompts(line, { defaults: { modelId: 'facebook/musicgen-medium' } });
  return jobs[0] as PromptJob;
}

describe('jobMetadata', () => {
  it('records the prompt, the duration of the job, its model, seed, identity, what was served and the rendering', async () => {
    const j = await job('rain on a tin roof ; 12.5 ; rain ; seed=99\n');
    const served = { weights: 'pretrained', revision: 'e52f6b5', dtypes: 'decoder=float16,encodec=float32' };
    const rendering = { format: 'pcm24', normalize: 'loudness' };
    expect(decodeAudioMetadata(jobMetadata(j, served, rendering))).toEqual({
      prompt: 'rain on a tin roof',
      promptTruncated: false,
      durationSeconds: 12.5,
      model: 'facebook/musicgen-medium',
      seed: 99n,
      identityHash: j.identityHash,
      served,
      rendering,
    });
  });
});

describe('finishAudio', () => {
  it('encodes a 32 kHz mono WAV of exactly the job frames', async () => {
    const j = await job('tone ; 0.1 ; tone ; seed=1\n');
    const audio = Float32Array.from({ length: 5 * 640 }, (_, i) => 0.5 * Math.sin(i / 10));
    const { wav, metadata } = finishAudio(j, audio, { format: 'pcm16', normalize: 'none' });
    const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
    expect({
      bytes: wav.byteLength,
      channels: view.getUint16(22, true),
      rate: view.getUint32(24, true),
      bits: view.getUint16(34, true),
      duration: decodeAudioMetadata(metadata)?.durationSeconds,
    }).toEqual({ bytes: 44 + 5 * 640 * 2, channels: 1, rate: 32000, bits: 16, duration: 0.1 });
  });

  it('refuses audio that is not frames × 640 samples', async () => {
    const j = await job('tone ; 0.1 ; tone\n');
    expect(() => finishAudio(j, new Float32Array(100), { format: 'pcm16', normalize: 'none' })).toThrow(
      new Error('decoded 100 samples for 5 frames: expected 3200'),
    );
  });
});
