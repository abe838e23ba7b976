import { parsePrompts } from '@musicgen/prompts';
import { describe, expect, it } from 'vitest';
import { prepareJobs } from './prepare-jobs.js';

describe('prepareJobs', () => {
  it('keeps the first line of each key and lists the duplicates', async () => {
    const { jobs } = await parsePrompts('a ; 5 ; a\nb ; 5 ; b\na ; 5 ; a\na ; 5 ; a.wav\na ; 6 ; a\n');
    const prepared = prepareJobs(jobs, undefined);
    expect(prepared.jobs.map((j) => j.line)).toEqual([1, 2, 5]);
    expect(prepared.duplicates).toEqual([
      { line: 3, key: jobs[0]?.key, duplicateOf: 1 },
      { line: 4, key: jobs[0]?.key, duplicateOf: 1 },
    ]);
  });

  it('gives --seed to lines without a seed only, with the key a line with that seed would get', async () => {
    const { jobs } = await parsePrompts('a ; 5 ; a\na ; 5 ; a ; seed=9\nb ; 5 ; b ; seed=7\n');
    const prepared = prepareJobs(jobs, 7);
    const [a, a9, b7] = prepared.jobs;
    expect([a?.seed, a?.seedDerived, a9?.seed, b7?.seed]).toEqual([7, false, 9, 7]);
    const { jobs: explicit } = await parsePrompts('a ; 5 ; a ; seed=7\n');
    expect([a?.key, a?.identityHash]).toEqual([explicit[0]?.key, explicit[0]?.identityHash]);
  });
});
