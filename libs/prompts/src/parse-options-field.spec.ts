import { describe, expect, it } from 'vitest';
import { parseOptionTokens, recogniseOptions } from './parse-options-field.js';

describe('recogniseOptions', () => {
  it.each([
    [
      ' seed=7 guidance=4',
      10,
      [
        { text: 'seed=7', key: 'seed', value: '7', index: 11 },
        { text: 'guidance=4', key: 'guidance', value: '4', index: 18 },
      ],
    ],
    ['top-k=50', 0, [{ text: 'top-k=50', key: 'top-k', value: '50', index: 0 }]],
    ['\tfoo=', 3, [{ text: 'foo=', key: 'foo', value: '', index: 4 }]],
    ['x=1', 5, [{ text: 'x=1', key: 'x', value: '1', index: 5 }]],
  ])('reads %j as options', (text, offset, tokens) => {
    expect(recogniseOptions(text, offset)).toEqual(tokens);
  });

  it.each([[''], ['   '], [' piano'], [' seed=7 and more'], ['=7'], ['1x=2'], ['a=1 b'], ['a=1 ,']])(
    'does not read %j as options',
    (text) => {
      expect(recogniseOptions(text, 0)).toBeUndefined();
    },
  );
});

function parse(text: string) {
  const tokens = recogniseOptions(text, 0);
  if (tokens === undefined) throw new Error(`not options: ${text}`);
  return parseOptionTokens(tokens);
}

describe('parseOptionTokens', () => {
  it.each([
    ['seed=7', { seed: 7 }],
    ['seed=0', { seed: 0 }],
    ['seed=4294967295', { seed: 4294967295 }],
    ['seed=7.0', { seed: 7 }],
    ['guidance=4', { guidance: 4 }],
    ['guidance=0', { guidance: 0 }],
    ['guidance=-0', { guidance: 0 }],
    ['guidance=1.5e0', { guidance: 1.5 }],
    ['top_k=50 top-p=0.9', { topK: 50, topP: 0.9 }],
    ['top-k=0 top_p=1', { topK: 0, topP: 1 }],
    ['temperature=0.7', { temperature: 0.7 }],
    ['SEED=3 Top_K=5', { seed: 3, topK: 5 }],
    [
      'seed=7 guidance=4 top_k=100 top_p=0.5 temperature=1.2',
      {
        seed: 7,
        guidance: 4,
        topK: 100,
        topP: 0.5,
        temperature: 1.2,
      },
    ],
  ])('reads %j', (text, overrides) => {
    expect(parse(text)).toEqual({ overrides, problems: [] });
  });

  it.each([
    ['foo=1', 0, 'option "foo" is unknown (use seed, guidance, top_k, top_p or temperature): found "foo=1"'],
    [
      'topk=1',
      0,
      'option "topk" is unknown (use seed, guidance, top_k, top_p or temperature): found "topk=1"',
    ],
    ['seed=-1', 0, 'option seed must be an integer from 0 to 4294967295: found "seed=-1"'],
    ['seed=4294967296', 0, 'option seed must be an integer from 0 to 4294967295: found "seed=4294967296"'],
    ['seed=1.5', 0, 'option seed must be an integer from 0 to 4294967295: found "seed=1.5"'],
    ['seed=', 0, 'option seed must be an integer from 0 to 4294967295: found "seed="'],
    ['seed=0x10', 0, 'option seed must be an integer from 0 to 4294967295: found "seed=0x10"'],
    ['guidance=-1', 0, 'option guidance must be a number from 0 to 100: found "guidance=-1"'],
    ['guidance=abc', 0, 'option guidance must be a number from 0 to 100: found "guidance=abc"'],
    ['guidance=100.5', 0, 'option guidance must be a number from 0 to 100: found "guidance=100.5"'],
    ['guidance=Infinity', 0, 'option guidance must be a number from 0 to 100: found "guidance=Infinity"'],
    ['top_k=2049', 0, 'option top_k must be an integer from 0 to 2048: found "top_k=2049"'],
    ['top-k=2.5', 0, 'option top_k must be an integer from 0 to 2048: found "top-k=2.5"'],
    ['top_p=1.01', 0, 'option top_p must be a number from 0 to 1: found "top_p=1.01"'],
    ['top-p=-0.1', 0, 'option top_p must be a number from 0 to 1: found "top-p=-0.1"'],
    ['temperature=-0.5', 0, 'option temperature must be a number from 0 to 100: found "temperature=-0.5"'],
    ['temperature=NaN', 0, 'option temperature must be a number from 0 to 100: found "temperature=NaN"'],
    ['seed=1 seed=2', 7, 'option seed is given twice: found "seed=2"'],
    ['top_k=1 top-k=2', 8, 'option top_k is given twice: found "top-k=2"'],
    ['seed=x seed=2', 7, 'option seed is given twice: found "seed=2"'],
  ])('refuses %j', (text, index, message) => {
    const result = parse(text);
    expect(result.problems).toContainEqual({ index, message });
  });

  it('reports every bad token and keeps the good ones', () => {
    expect(parse('seed=-1 guidance=5 foo=2 guidance=6')).toEqual({
      overrides: { guidance: 5 },
      problems: [
        { index: 0, message: 'option seed must be an integer from 0 to 4294967295: found "seed=-1"' },
        {
          index: 19,
          message: 'option "foo" is unknown (use seed, guidance, top_k, top_p or temperature): found "foo=2"',
        },
        { index: 25, message: 'option guidance is given twice: found "guidance=6"' },
      ],
    });
  });
});
