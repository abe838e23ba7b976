import { planWindows, windowSeed } from '@musicgen/chunking';
import { sliceCodes, type Codes } from '@musicgen/contract';
import { parsePrompts, type PromptJob } from '@musicgen/prompts';
import { describe, expect, it } from 'vitest';
import { windowRequest } from './window-request.js';

async function job(line: string): Promise<PromptJob> {
  const { jobs } = await parsePrompts(line, { defaults: { modelId: 'facebook/musicgen-medium' } });
  return jobs[0] as PromptJob;
}

const context: Codes = sliceCodes(
  { frames: 1500, data: new Int32Array(6000).map((_, i) => i % 2048) },
  900,
  1500,
);

describe('windowRequest', () => {
  it('maps every sampling option of the job to its own field', async () => {
    const j = await job('warm pad ; 20 ; pad ; seed=7 guidance=4.5 top_k=40 top_p=0.25 temperature=0.7\n');
    const plan = planWindows(j.frames, j.seed);
    expect(windowRequest(j, plan.windows[0] as (typeof plan.windows)[number], undefined)).toEqual({
      text: 'warm pad',
      frames: 1000,
      seed: 7,
      guidance: 4.5,
      topK: 40,
      topP: 0.25,
      temperature: 0.7,
    });
  });

  it("gives each window its plan's frames and seed, and continues from the given context", async () => {
    const j = await job('long drone ; 45 ; drone ; seed=21 top_k=100\n');
    const plan = planWindows(j.frames, j.seed);
    const [first, second] = plan.windows as [(typeof plan.windows)[number], (typeof plan.windows)[number]];
    expect([windowRequest(j, first, undefined), windowRequest(j, second, context)]).toEqual([
      { text: 'long drone', frames: 1500, seed: 21, guidance: 3, topK: 100, topP: 0, temperature: 1 },
      {
        text: 'long drone',
        frames: 750,
        promptCodes: context,
        seed: windowSeed(21, 1),
        guidance: 3,
        topK: 100,
        topP: 0,
        temperature: 1,
      },
    ]);
    expect(windowSeed(21, 1)).not.toBe(21);
  });
});
