import { parsePrompts } from '@musicgen/prompts';
import { describe, expect, it } from 'vitest';
import { prepareJobs, shardOfKey } from './prepare-jobs.js';

describe('prepareJobs', () => {
  it('keeps the first line of each key and lists the duplicates', async () => {
    const { jobs } = await parsePrompts('a ; 5 ; a\nb ; 5 ; b\na ; 5 ; a\na ; 5 ; a.wav\na ; 6 ; a\n');
    const prepared = prepareJobs(jobs);
    expect(prepared.jobs.map((j) => j.line)).toEqual([1, 2, 5]);
    expect(prepared.duplicates).toEqual([
      { line: 3, key: jobs[0]?.key, duplicateOf: 1 },
      { line: 4, key: jobs[0]?.key, duplicateOf: 1 },
    ]);
  });

  it('gives --seed to lines without a seed only, with the key a line with that seed would get', async () => {
    const { jobs } = await parsePrompts('a ; 5 ; a\na ; 5 ; a ; seed=9\nb ; 5 ; b ; seed=7\n', { seed: 7 });
    const prepared = prepareJobs(jobs);
    const [a, a9, b7] = prepared.jobs;
    expect([a?.seed, a?.seedDerived, a9?.seed, b7?.seed]).toEqual([7, false, 9, 7]);
    const { jobs: explicit } = await parsePrompts('a ; 5 ; a ; seed=7\n');
    expect([a?.key, a?.identityHash]).toEqual([explicit[0]?.key, explicit[0]?.identityHash]);
  });

  it('splits the jobs into shards by key, every job in exactly one shard, duplicates together', async () => {
    const text =
      Array.from({ length: 40 }, (_, i) => `piece ${i} ; 2 ; p${i}`).join('\n') + '\npiece 3 ; 2 ; p3\n';
    const { jobs } = await parsePrompts(text);
    const shards = [1, 2, 3].map((index) => prepareJobs(jobs, { index, count: 3 }));
    const lines = shards.flatMap((s) => s.jobs.map((j) => j.line)).sort((a, b) => a - b);
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(shards.every((s) => s.jobs.length > 0)).toBe(true);
    expect(shards.flatMap((s) => s.duplicates)).toEqual([{ line: 41, key: jobs[3]?.key, duplicateOf: 4 }]);
  });

  it.each([
    ['rain_0000000a.wav', 4, 3],
    ['rain_ffffffff.wav', 2, 2],
    ['rain_00000000.wav', 5, 1],
  ])('shardOfKey(%s, %i) is %i', (key, count, expected) => {
    expect(shardOfKey(key, count)).toBe(expected);
  });
});
