import { parsePrompts } from '@musicgen/prompts';
import { describe, expect, it } from 'vitest';
import { prepareJobs } from './prepare-jobs.js';

/**
 * Keys that stores already hold. A job's key must never change for the same line, model and `--seed`,
 * or a re-run would generate again what a store has: these values were taken from released runs and
 * any refactor must keep them.
 */
const TEXT = [
  'calm piano ; 20 ; piano',
  'calm piano ; 20 ; piano ; seed=7',
  'lofi beat; rain ; 1:30 ; lofi ; guidance=4 top_k=40',
  'ünïcödé strings ; 45.5 ; strings ; top_p=0.9 temperature=0.7',
  'drums ; 8 ; drums.wav',
].join('\n');

const GOLDEN: Record<string, [number, string, number][]> = {
  'facebook/musicgen-medium, no --seed': [
    [1, 'piano_f571f187.wav', 4049751528],
    [2, 'piano_b2e9e637.wav', 7],
    [3, 'lofi_66df7bfb.wav', 2196320580],
    [4, 'strings_3724d38f.wav', 1294772992],
    [5, 'drums_d50c72e0.wav', 3968574491],
  ],
  'facebook/musicgen-medium, --seed 1234': [
    [1, 'piano_186fb706.wav', 1234],
    [2, 'piano_b2e9e637.wav', 7],
    [3, 'lofi_32701003.wav', 1234],
    [4, 'strings_3352481c.wav', 1234],
    [5, 'drums_2c4d080a.wav', 1234],
  ],
  'musicgen-preview, no --seed': [
    [1, 'piano_1704b2cf.wav', 1113722577],
    [2, 'piano_8c02695d.wav', 7],
    [3, 'lofi_335ab8a9.wav', 2389342393],
    [4, 'strings_333f792d.wav', 3788713812],
    [5, 'drums_21ba13c8.wav', 4086206076],
  ],
  'musicgen-preview, --seed 1234': [
    [1, 'piano_1321143a.wav', 1234],
    [2, 'piano_8c02695d.wav', 7],
    [3, 'lofi_c8edb4a0.wav', 1234],
    [4, 'strings_a6488423.wav', 1234],
    [5, 'drums_de4b9080.wav', 1234],
  ],
};

describe('golden job keys', () => {
  it.each(Object.entries(GOLDEN))('%s', async (name, expected) => {
    const [modelId, seedText] = name.split(', ') as [string, string];
    const seed = seedText === 'no --seed' ? undefined : Number(seedText.replace('--seed ', ''));
    const { jobs } = await parsePrompts(TEXT, {
      defaults: { modelId },
      ...(seed === undefined ? {} : { seed }),
    });
    expect(prepareJobs(jobs).jobs.map((j) => [j.line, j.key, j.seed])).toEqual(expected);
  });
});
